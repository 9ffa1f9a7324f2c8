"""Every API operation, fuzzed with a read-only token of a member of staff (tests/dpms/api_fuzz.py): no
write gets through, and every refusal is what the schema says."""

from tests.dpms.api_fuzz import fuzz_test

test_api_with_a_read_only_token = fuzz_test("staff", read_only=True)
