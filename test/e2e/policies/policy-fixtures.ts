/** Rego sources used by the policy-store e2e tests. */
export const DECISION_REGO = `package mandate

default allow := false

allow if input.tool.risk == "read"

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {}}
`;

export const PASSING_TESTS_REGO = `package mandate

test_read_is_allowed if decision.allow with input as {"tool": {"risk": "read"}}

test_write_is_denied if not decision.allow with input as {"tool": {"risk": "write"}}
`;

/** One test that fails against DECISION_REGO (writes are denied). */
export const FAILING_TESTS_REGO = `${PASSING_TESTS_REGO}
test_write_is_allowed if decision.allow with input as {"tool": {"risk": "write"}}
`;

/** Allows writes too: makes FAILING_TESTS_REGO's last test pass but the "write is denied" test fail. */
export const PERMISSIVE_REGO = DECISION_REGO.replace(
  'allow if input.tool.risk == "read"',
  'allow if input.tool.risk in {"read", "write"}',
);

/** A parse error on line 3 (unclosed object). */
export const BROKEN_REGO = `package mandate

decision := {"allow": true,
`;
