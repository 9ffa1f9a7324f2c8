"""Every API operation, fuzzed as a member of staff (tests/dpms/api_fuzz.py)."""

from tests.dpms.api_fuzz import fuzz_test

test_api_as_staff = fuzz_test("staff", everywhere=True)
