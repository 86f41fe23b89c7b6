# Settings of Mandate's baseline policy. Organisations start by changing these values; the rules in the other
# modules read them. Every value can also be overridden through data (data.json at the bundle root):
#   {"mandate_settings": {"approver_groups": ["sre"], "approvals_required": 2, "approval_mode": "window"}}
package mandate

# Risk classes of the admin-owned risk registry (input.tool.risk). Anything else counts as "unknown".
known_risks := {"read", "write", "destructive", "external"}

# Risk classes whose calls need a human approval when no grant covers them.
approval_risks := {"destructive", "unknown"}

# Severities of validation findings (input.findings[_].severity) that deny the call outright.
blocking_severities := {"high", "critical"}

# Detectors whose findings name argument paths to redact in logs and in the approvers' view.
redacting_detectors := {"secret", "pii"}

# Approval settings: approver_groups / approvals_required (quorum) / approval_reason_required; the pending
# TTL and the escalation (seconds; null = none) to more groups; approval_mode "once" or "window" (with
# approval_window_seconds).
default_settings := {
	"approver_groups": ["approvers"],
	"approvals_required": 1,
	"approval_reason_required": false,
	"approval_ttl_seconds": 3600,
	"approval_escalate_after_seconds": null,
	"approval_escalate_to": [],
	"approval_mode": "once",
	"approval_window_seconds": 3600,
}

# The effective settings: data.mandate_settings wins key by key over default_settings.
settings[key] := value if {
	some key, default_value in default_settings
	value := object.get(custom_settings, key, default_value)
}

custom_settings := data.mandate_settings if is_object(data.mandate_settings) else := {}
