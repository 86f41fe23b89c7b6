# Input validation gates: findings of the detectors (shell metacharacters, path traversal, SSRF, SQL
# tautologies, hidden instructions, …) over the call's arguments or a tool's result.
package mandate

blocking_findings contains finding if {
	some finding in input.findings
	finding.severity in blocking_severities
}

blocking contains sprintf("%s finding of %s at %s", [f.severity, f.detector, f.path]) if {
	some f in blocking_findings
}

# Argument paths flagged by a redacting detector: logs and approvers see them redacted.
redact_paths contains finding.path if {
	some finding in input.findings
	finding.detector in redacting_detectors
}
