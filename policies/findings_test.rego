package mandate_test

import data.mandate

finding(detector, severity, path) := {"detector": detector, "severity": severity, "path": path, "detail": "x"}

test_high_finding_denies_read if {
	call := object.union(read_call, {"findings": [finding("path_traversal", "high", "arguments.path")]})
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["high finding of path_traversal at arguments.path"]
}

test_critical_finding_denies_granted_call if {
	call := object.union(write_call, {
		"findings": [finding("shell", "critical", "arguments.content")],
		"grants": [grant("g-1", "write_file")],
	})
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["critical finding of shell at arguments.content"]
}

test_high_finding_denies_instead_of_approval if {
	call := object.union(destructive_call, {"findings": [finding("ssrf", "high", "arguments.url")]})
	d := mandate.decision with input as call
	d.allow == false
	d.require_approval == null
}

test_medium_finding_does_not_deny if {
	call := object.union(read_call, {"findings": [finding("sql", "medium", "arguments.path")]})
	mandate.decision.allow with input as call
}

test_high_finding_in_result_denies if {
	call := object.union(read_call, {"phase": "result", "findings": [finding("hidden_instructions", "high", "result.content[0].text")]})
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["high finding of hidden_instructions at result.content[0].text"]
}

test_clean_result_allowed if {
	mandate.decision.allow with input as object.union(destructive_call, {"phase": "result"})
}

test_secret_paths_redacted if {
	call := object.union(read_call, {"findings": [
		finding("secret", "low", "arguments.token"),
		finding("pii", "medium", "arguments.email"),
		finding("sql", "low", "arguments.query"),
	]})
	d := mandate.decision with input as call
	d.allow == true
	d.obligations.redact_arguments == ["arguments.email", "arguments.token"]
}

result_of(call, findings) := object.union(call, {"phase": "result", "findings": findings})

test_high_finding_in_result_blocks_result if {
	call := result_of(read_call, [finding("prompt-injection", "high", "/content/0/text")])
	d := mandate.decision with input as call
	d.allow == false
	d.obligations.block_result == true
	d.obligations.redact_result == []
}

test_secret_in_result_is_redacted_not_blocked if {
	call := result_of(read_call, [
		finding("secret", "critical", "/content/0/text"),
		finding("secret", "high", "/structuredContent/key"),
	])
	d := mandate.decision with input as call
	d.allow == true
	d.deny == []
	d.obligations.redact_result == ["/content/0/text", "/structuredContent/key"]
	d.obligations.block_result == false
	d.obligations.redact_arguments == []
}

test_secret_and_injection_in_result_blocks_and_redacts if {
	call := result_of(read_call, [
		finding("secret", "critical", "/content/0/text"),
		finding("invisible-unicode", "high", "/content/1/text"),
	])
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["high finding of invisible-unicode at /content/1/text"]
	d.obligations.block_result == true
	d.obligations.redact_result == ["/content/0/text"]
}

test_result_of_unpinned_tool_is_blocked if {
	call := object.union(result_of(read_call, []), {"tool": {"pinned": false}})
	d := mandate.decision with input as call
	d.allow == false
	d.obligations.block_result == true
}

test_call_has_no_result_obligations if {
	d := mandate.decision with input as read_call
	not "block_result" in object.keys(d.obligations)
	not "redact_result" in object.keys(d.obligations)
}

test_secret_in_arguments_of_call_is_not_a_result_redaction if {
	call := object.union(read_call, {"findings": [finding("secret", "low", "/token")]})
	d := mandate.decision with input as call
	d.obligations.redact_arguments == ["/token"]
	not d.obligations.redact_result
}
