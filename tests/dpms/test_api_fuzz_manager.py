"""Every API operation, fuzzed as a manager (tests/dpms/api_fuzz.py)."""

from tests.dpms.api_fuzz import fuzz_test

test_api_as_manager = fuzz_test("manager")
