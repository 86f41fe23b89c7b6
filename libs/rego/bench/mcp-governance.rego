# A realistic organisation policy for MCP tool calls: 300 lines, 100 rules. bench-rego.ts measures its compile
# time and its evaluation latency through @open-policy-agent/opa-wasm.
package mandate

import rego.v1

default allow := false

# ---- tool classification -------------------------------------------------------------------------------
read_tools := {"read_file", "list_dir", "search_code", "get_issue", "list_issues", "query_metrics", "get_page"}

write_tools := {"write_file", "create_issue", "update_issue", "comment_issue", "create_branch", "open_pull_request"}

destructive_tools := {"delete_file", "drop_table", "delete_branch", "force_push", "delete_repo", "shutdown_vm"}

external_tools := {"http_get", "http_post", "send_email", "post_slack", "upload_s3"}

risk := "read" if input.tool.name in read_tools

risk := "write" if input.tool.name in write_tools

risk := "destructive" if input.tool.name in destructive_tools

risk := "external" if input.tool.name in external_tools

default effective_risk := "destructive"

effective_risk := input.tool.risk if input.tool.risk in {"read", "write", "destructive", "external"}

effective_risk := risk if {
	not input.tool.risk
	risk
}

# ---- identities ------------------------------------------------------------------------------------------
trusted_agent if input.agent.trust >= 3

untrusted_agent if input.agent.trust < 2

agent_is_prod if input.agent.labels.env == "prod"

agent_is_ci if input.agent.labels.kind == "ci"

principal_groups contains g if some g in input.principal.groups

is_admin if "admins" in principal_groups

is_sre if "sre" in principal_groups

is_finance if "finance" in principal_groups

has_principal if input.principal.id

# ---- catalog integrity --------------------------------------------------------------------------------------
deny contains "tool definition is not pinned" if not input.tool.pinned

deny contains "tool definition changed since it was approved" if input.tool.changed

deny contains sprintf("unknown server %s", [input.server.name]) if not known_servers[input.server.name]

known_servers := {"github": true, "filesystem": true, "postgres": true, "slack": true, "metrics": true, "web": true}

# ---- validation findings ---------------------------------------------------------------------------------
high_findings contains f if {
	some f in input.findings
	f.severity == "high"
}

medium_findings contains f if {
	some f in input.findings
	f.severity == "medium"
}

deny contains sprintf("%s finding at %s", [f.detector, f.path]) if some f in high_findings

deny contains "shell metacharacters in arguments" if {
	some f in input.findings
	f.detector == "shell"
}

deny contains "path traversal" if {
	some f in input.findings
	f.detector == "path_traversal"
}

deny contains "request to a private address" if {
	some f in input.findings
	f.detector == "ssrf"
}

needs_review_findings if count(medium_findings) > 0

# ---- argument rules ------------------------------------------------------------------------------------------
path := input.arguments.path

deny contains "writes outside the workspace" if {
	input.tool.name == "write_file"
	not startswith(path, "/workspace/")
}

deny contains "secrets file" if {
	input.tool.name in {"read_file", "write_file"}
	some suffix in {".env", ".pem", "id_rsa", ".key"}
	endswith(path, suffix)
}

deny contains "system path" if {
	some prefix in {"/etc/", "/proc/", "/sys/", "/root/"}
	startswith(path, prefix)
}

too_large if input.arguments.size > 10485760

deny contains "payload too large" if too_large

sql := lower(input.arguments.query)

deny contains "DDL statement" if {
	input.tool.name == "run_query"
	some kw in ["drop ", "truncate ", "alter ", "grant "]
	contains(sql, kw)
}

deny contains "unbounded delete" if {
	input.tool.name == "run_query"
	contains(sql, "delete from")
	not contains(sql, " where ")
}

email_domain := split(input.arguments.to, "@")[1]

external_recipient if {
	input.tool.name == "send_email"
	not email_domain in {"example.com", "corp.example.com"}
}

deny contains "email to an external domain" if {
	external_recipient
	not is_admin
}

url_host := split(trim_prefix(trim_prefix(input.arguments.url, "https://"), "http://"), "/")[0]

allowed_hosts := {"api.github.com", "hooks.slack.com", "example.com", "docs.example.com"}

deny contains sprintf("host %s is not allowed", [url_host]) if {
	input.tool.name in {"http_get", "http_post"}
	not url_host in allowed_hosts
}

amount := input.arguments.amount

deny contains "payment above the hard limit" if amount > 100000

payment_needs_approval if amount > 1000

# ---- grants -------------------------------------------------------------------------------------------------
matching_grants contains g if {
	some g in input.grants
	g.tool == input.tool.name
	g.server == input.server.id
}

grant_allows if count(matching_grants) > 0

grant_budget_ok if {
	some g in matching_grants
	object.get(g, "remaining_budget", 0) >= object.get(input.arguments, "amount", 0)
}

grant_uses_ok if {
	some g in matching_grants
	g.uses < g.max_uses
}

# ---- time windows -------------------------------------------------------------------------------------------
hour := input.context.hour

business_hours if {
	hour >= 8
	hour < 19
}

deny contains "destructive call outside business hours" if {
	effective_risk == "destructive"
	not business_hours
	not is_sre
}

# ---- approvals -----------------------------------------------------------------------------------------------
approved if input.approval.status == "approved"

default require_approval := null

require_approval := {"reason": "destructive tool", "approvers": ["sre"], "n": 2} if {
	effective_risk == "destructive"
	not approved
	count(deny) == 0
}

require_approval := {"reason": "payment", "approvers": ["finance"], "n": 1} if {
	input.tool.name == "make_payment"
	payment_needs_approval
	not approved
	count(deny) == 0
}

require_approval := {"reason": "review findings", "approvers": ["security"], "n": 1} if {
	needs_review_findings
	effective_risk != "destructive"
	not input.tool.name == "make_payment"
	not approved
	count(deny) == 0
}

default pending := false

pending if require_approval != null

# ---- allow ----------------------------------------------------------------------------------------------------
allow if {
	count(deny) == 0
	not pending
	effective_risk == "read"
}

allow if {
	count(deny) == 0
	not pending
	effective_risk == "write"
	trusted_agent
}

allow if {
	count(deny) == 0
	not pending
	grant_allows
	grant_uses_ok
}

allow if {
	count(deny) == 0
	approved
}

allow if {
	count(deny) == 0
	effective_risk == "external"
	not untrusted_agent
	grant_budget_ok
}

# ---- per-server rules -------------------------------------------------------------------------------------
github_call if input.server.name == "github"

postgres_call if input.server.name == "postgres"

slack_call if input.server.name == "slack"

filesystem_call if input.server.name == "filesystem"

repo := input.arguments.repo

protected_repos := {"corp/infra", "corp/payments", "corp/identity"}

deny contains sprintf("force push to protected repo %s", [repo]) if {
	github_call
	input.tool.name == "force_push"
	repo in protected_repos
}

deny contains "repository deletion is never allowed" if input.tool.name == "delete_repo"

deny contains "production database from an untrusted agent" if {
	postgres_call
	input.arguments.database == "prod"
	untrusted_agent
}

deny contains "bulk export" if {
	postgres_call
	input.arguments.limit > 100000
}

slack_channel := input.arguments.channel

deny contains "posting to an announcement channel" if {
	slack_call
	startswith(slack_channel, "#announce")
	not is_admin
}

deny contains "hidden instructions in message" if {
	slack_call
	regex.match(`(?i)ignore (all|previous) instructions`, input.arguments.text)
}

deny contains "glob pattern outside the workspace" if {
	filesystem_call
	not glob.match("/workspace/**", ["/"], path)
	input.tool.name in {"write_file", "delete_file"}
}

# ---- delegation ---------------------------------------------------------------------------------------------
delegation_depth := count(object.get(input, ["context", "delegation"], []))

deny contains "delegation chain too deep" if delegation_depth > 3

on_behalf_of_human if has_principal

deny contains "destructive call without a human principal" if {
	effective_risk == "destructive"
	not on_behalf_of_human
}

# ---- labels ---------------------------------------------------------------------------------------------------
label_env := object.get(input.agent.labels, "env", "unknown")

deny contains sprintf("agent environment %s may not call %s", [label_env, input.server.name]) if {
	label_env == "sandbox"
	input.server.name in {"postgres", "slack"}
}

quarantined_agent if input.agent.labels.quarantine == "true"

deny contains "agent is quarantined" if quarantined_agent

# ---- result phase ------------------------------------------------------------------------------------------
result_phase if input.phase == "result"

list_phase if input.phase == "list"

deny contains "result contains a secret" if {
	result_phase
	some f in input.findings
	f.detector == "secret"
}

# ---- scoring --------------------------------------------------------------------------------------------------
risk_score := base_score + findings_score + trust_penalty

base_score := {"read": 0, "write": 20, "external": 40, "destructive": 60}[effective_risk]

findings_score := (count(high_findings) * 30) + (count(medium_findings) * 10)

default trust_penalty := 0

trust_penalty := 15 if untrusted_agent

default high_risk := false

high_risk if risk_score >= 70

# ---- obligations ------------------------------------------------------------------------------------------
obligations["redact"] := ["arguments.password", "arguments.token"] if input.tool.name in external_tools

obligations["log_level"] := "full" if effective_risk in {"destructive", "external"}

obligations["notify"] := "sre" if {
	effective_risk == "destructive"
	agent_is_prod
}

obligations["rate_limit_per_minute"] := 10 if untrusted_agent

obligations["rate_limit_per_minute"] := 600 if {
	not untrusted_agent
	agent_is_ci
}

# ---- decision ---------------------------------------------------------------------------------------------
decision := {
	"allow": allow,
	"deny": [r | some r in deny],
	"require_approval": require_approval,
	"obligations": obligations,
	"risk": effective_risk,
	"score": risk_score,
	"high_risk": high_risk,
}
