package mandate_test

import data.mandate

test_destructive_tool_needs_approval if {
	d := mandate.decision with input as destructive_call
	d.allow == false
	d.deny == []
	d.require_approval == {
		"reason": "tool delete_file has risk destructive and no grant covers this call",
		"groups": ["approvers"],
		"quorum": 1,
		"reason_required": false,
		"ttl": 3600,
		"escalate_after": null,
		"escalate_to": [],
		"mode": "once",
		"window": 3600,
	}
}

test_approval_settings_from_data if {
	d := mandate.decision with input as destructive_call
		with data.mandate_settings as {
			"approver_groups": ["sre"],
			"approvals_required": 2,
			"approval_reason_required": true,
			"approval_escalate_after_seconds": 600,
			"approval_escalate_to": ["leads"],
			"approval_mode": "window",
			"approval_window_seconds": 900,
		}
	d.require_approval.groups == ["sre"]
	d.require_approval.quorum == 2
	d.require_approval.reason_required == true
	d.require_approval.ttl == 3600
	d.require_approval.escalate_after == 600
	d.require_approval.escalate_to == ["leads"]
	d.require_approval.mode == "window"
	d.require_approval.window == 900
}

test_unknown_setting_is_ignored if {
	d := mandate.decision with input as destructive_call with data.mandate_settings as {"colour": "red"}
	object.keys(d.require_approval) == {
		"reason", "groups", "quorum", "reason_required", "ttl", "escalate_after", "escalate_to", "mode", "window",
	}
}

test_non_object_settings_use_defaults if {
	d := mandate.decision with input as destructive_call with data.mandate_settings as "oops"
	d.require_approval.groups == ["approvers"]
}

test_no_approval_needed_when_approved if {
	approval := {"id": "ap-1", "status": "approved", "mode": "window", "expires_at": "2026-11-23T11:00:00Z"}
	d := mandate.decision with input as object.union(destructive_call, {"approval": approval})
	d.allow == true
	d.require_approval == null
}

test_list_phase_needs_no_approval if {
	d := mandate.decision with input as object.union(destructive_call, {"phase": "list"})
	d.require_approval == null
}

test_blocked_call_needs_no_approval if {
	d := mandate.decision with input as object.union(destructive_call, {"tool": {"changed": true}})
	d.require_approval == null
	d.allow == false
}
