"""Every API operation, fuzzed as an admin (tests/dpms/api_fuzz.py)."""

from tests.dpms.api_fuzz import fuzz_test

test_api_as_admin = fuzz_test("admin_user")
