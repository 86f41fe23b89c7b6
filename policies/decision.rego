# Mandate's baseline organisation policy. Entrypoint: mandate/decision.
#
#   {"allow": bool, "deny": [reason, …], "require_approval": {…} | null, "obligations": {…}}
#
# Deny by default. A call is allowed when nothing blocks it (agent disabled or unknown, unpinned or changed
# tool definition, high-severity validation finding) and one of these permits it: the tool is read-only, a
# matching grant covers it, or a human approved this exact call. A destructive or unknown-risk tool that
# nothing permits needs an approval; any other call nothing permits is denied.
package mandate

decision := {
	"allow": allow,
	"deny": deny,
	"require_approval": require_approval,
	"obligations": obligations,
}

phases := {"list", "call", "result"}

blocking contains sprintf("unknown phase %v", [input.phase]) if not input.phase in phases

# Listing (tools/list) shows every tool the agent could call; results are only gated by their findings.
permitted if input.phase in {"list", "result"}

permitted if {
	input.phase == "call"
	read_only
}

permitted if {
	input.phase == "call"
	granted
}

permitted if {
	input.phase == "call"
	approved
}

default allow := false

allow if {
	count(blocking) == 0
	agent_enabled
	permitted
}

default require_approval := null

# The shape the approvals stage reads: who reviews (groups, quorum of approvals, reason required), how
# long the request stays pending (ttl, seconds), escalation (escalate_after seconds, escalate_to groups),
# and what an approval yields (mode "once": one call with these exact arguments; "window": calls of the
# same agent, server and tool for `window` seconds).
require_approval := {
	"reason": sprintf("tool %s has risk %s and no grant covers this call", [tool_name, risk]),
	"groups": settings.approver_groups,
	"quorum": settings.approvals_required,
	"reason_required": settings.approval_reason_required,
	"ttl": settings.approval_ttl_seconds,
	"escalate_after": settings.approval_escalate_after_seconds,
	"escalate_to": settings.approval_escalate_to,
	"mode": settings.approval_mode,
	"window": settings.approval_window_seconds,
} if {
	input.phase == "call"
	count(blocking) == 0
	agent_enabled
	not permitted
	needs_approval_by_risk
}

deny := sort([reason | some reason in blocking]) if {
	count(blocking) > 0
} else := [sprintf("no grant allows calling %s tool %s", [risk, tool_name])] if {
	not allow
	require_approval == null
} else := []

# What the pipeline must do with an allowed call: consume the grants that allowed it, redact flagged paths.
# A result decision adds redact_result and block_result (findings.rego).
obligations := object.union(
	{
		"consume_grants": consume_grants,
		"redact_arguments": sort([path | some path in redact_paths]),
	},
	result_obligations,
)

default consume_grants := []

consume_grants := consumed_grant_ids if {
	allow
	input.phase == "call"
	not read_only
	not approved
	granted
}
