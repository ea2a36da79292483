using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>The valid body of each route the body battery starts from, and how it is named, signed and sent.</summary>
public sealed partial class RouteFuzzBodyTests
{
    private JsonObject Base(BodyRoute route) => route switch
    {
        BodyRoute.CreateRule or BodyRoute.ValidateRule => Samples.Rule(Connection, "fuzzed"),
        BodyRoute.CreateRichRule => RichRule("rich"),
        BodyRoute.DryRunRichRule => new JsonObject { ["rule"] = RichRule("rich tried"), ["event"] = Samples.Event("OPS-1", "Broken") },
        BodyRoute.UpdateRule => Samples.Rule(Connection, "fuzzed update"),
        BodyRoute.DryRunUnsaved => new JsonObject { ["rule"] = Samples.Rule(Connection, "tried"), ["event"] = Samples.Event("OPS-1", "Broken") },
        BodyRoute.DryRunSaved => new JsonObject { ["event"] = Samples.Event("OPS-1", "Broken") },
        BodyRoute.ManualRun => new JsonObject { ["issueKey"] = "OPS-1" },
        BodyRoute.CreateConnection or BodyRoute.UpdateConnection => Samples.Connection(ThirdParty.Address, "s3cret", "apiKey"),
        BodyRoute.CreateWebhook => new JsonObject { ["name"] = "deploys" },
        BodyRoute.CreateGrant => new JsonObject { ["hours"] = 2, ["reason"] = "ticket 42" },
        BodyRoute.Events => Samples.Event("OPS-1", "Broken"),
        // The webhook's own body is a string that the route parses: it is fuzzed as JSON and signed after.
        BodyRoute.Webhook => new JsonObject { ["order"] = new JsonObject { ["id"] = "A-1", ["lines"] = new JsonArray(new JsonObject { ["sku"] = "s", ["qty"] = 2 }) }, ["note"] = "rush" },
        BodyRoute.WebhookEnvelope => new JsonObject { ["hookId"] = "{hook}", ["signature"] = "{signature}", ["timestamp"] = "{timestamp}", ["contentType"] = "application/json", ["body"] = "{\"note\":\"rush\"}" },
        BodyRoute.Scheduled => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "scheduled" }, ["contextToken"] = "opaque" },
        BodyRoute.Uninstall => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "pre-uninstall" }, ["contextToken"] = "opaque-context-token" },
        BodyRoute.Lifecycle => new JsonObject { ["eventType"] = "avi:forge:installed:app", ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "lifecycle" } },
        _ => throw new ArgumentOutOfRangeException(nameof(route)),
    };

    /// <summary>Creates take a fresh name, events a fresh timestamp (so none is a duplicate) each time.</summary>
    private JsonObject Rename(BodyRoute route, JsonObject body)
    {
        var n = Interlocked.Increment(ref _counter);
        var target = route is BodyRoute.DryRunUnsaved or BodyRoute.DryRunRichRule ? body["rule"] as JsonObject : body;
        if (route is BodyRoute.CreateRule or BodyRoute.CreateRichRule or BodyRoute.CreateConnection or BodyRoute.CreateWebhook or BodyRoute.UpdateRule or BodyRoute.UpdateConnection
            && target?["name"] is JsonValue name && name.TryGetValue<string>(out var text) && text.Length < 100 && !text.Contains('\u0000', StringComparison.Ordinal))
        {
            target["name"] = text + " " + n;
        }

        if (route is BodyRoute.Events && body["timestamp"] is JsonValue ts && ts.TryGetValue<string>(out var stamp)
            && long.TryParse(stamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var millis))
        {
            body["timestamp"] = (millis + n).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return body;
    }

    private int _envelopes;

    private string Render(BodyRoute route, JsonObject body)
    {
        if (route == BodyRoute.WebhookEnvelope)
        {
            // Placeholders left in place are filled: the hook, a signature of the body as sent, and a fresh time: now,
            // less a step that differs from one request to the next (within the 5-minute window). A mutation of a field
            // the signature does not cover (contentType) leaves body and signature as they were, so two such envelopes
            // in the same second were the same signed request, and the second one was refused as a replay (403).
            var step = 240 - (Interlocked.Increment(ref _envelopes) % 240);
            var now = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - step).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var text = body["body"] is JsonValue b && b.TryGetValue<string>(out var t) ? t : string.Empty;
            var stamp = body["timestamp"] is JsonValue s && s.TryGetValue<string>(out var st) && st == "{timestamp}" ? now : body["timestamp"]?.ToJsonString() ?? string.Empty;
            return body.ToJsonString()
                .Replace("\"{hook}\"", "\"" + HookId + "\"", StringComparison.Ordinal)
                .Replace("\"{signature}\"", "\"" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HookSecret), Encoding.UTF8.GetBytes($"{stamp.Trim('"')}.{text}"))) + "\"", StringComparison.Ordinal)
                .Replace("\"{timestamp}\"", "\"" + now + "\"", StringComparison.Ordinal);
        }

        if (route != BodyRoute.Webhook)
        {
            return body.ToJsonString();
        }

        var raw = body.ToJsonString();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{raw}")));
        return new JsonObject
        {
            ["hookId"] = HookId, ["signature"] = signature, ["timestamp"] = timestamp, ["contentType"] = "application/json", ["body"] = raw,
        }.ToJsonString();
    }

    private async Task<HttpResponseMessage> SendAsync(BodyRoute route, string body)
    {
        var (method, path) = Target(route);
        if (path.StartsWith("/forge/", StringComparison.Ordinal))
        {
            // An uninstall that is accepted deletes its tenant: each goes to a tenant of its own.
            var tenant = route == BodyRoute.Uninstall ? Samples.NewTenant() : Tenant;
            return await Backend.SendWithTokenAsync(method, path, Issuer.MintFor(path, tenant), body, withUserToken: false);
        }

        return await Backend.SendAsync(method, path, Tenant, body);
    }

    /// <summary>The method and path each body is sent to.</summary>
    private (HttpMethod Method, string Path) Target(BodyRoute route)
        => route switch
        {
            BodyRoute.CreateRule or BodyRoute.CreateRichRule => (HttpMethod.Post, "/api/rules"),
            BodyRoute.DryRunRichRule => (HttpMethod.Post, "/api/rules/dry-run"),
            BodyRoute.UpdateRule => (HttpMethod.Put, $"/api/rules/{RuleId}"),
            BodyRoute.ValidateRule => (HttpMethod.Post, "/api/rules/validate"),
            BodyRoute.DryRunUnsaved => (HttpMethod.Post, "/api/rules/dry-run"),
            BodyRoute.DryRunSaved => (HttpMethod.Post, $"/api/rules/{RuleId}/dry-run"),
            BodyRoute.ManualRun => (HttpMethod.Post, $"/api/rules/{ManualRuleId}/run"),
            BodyRoute.CreateConnection => (HttpMethod.Post, "/api/connections"),
            BodyRoute.UpdateConnection => (HttpMethod.Put, $"/api/connections/{SpareConnection}"),
            BodyRoute.CreateWebhook => (HttpMethod.Post, "/api/webhooks"),
            BodyRoute.CreateGrant => (HttpMethod.Post, "/api/support/grants"),
            BodyRoute.Events => (HttpMethod.Post, "/forge/events"),
            BodyRoute.Lifecycle => (HttpMethod.Post, "/forge/lifecycle"),
            BodyRoute.WebhookEnvelope => (HttpMethod.Post, "/forge/webhook"),
            BodyRoute.Scheduled => (HttpMethod.Post, "/forge/scheduled"),
            BodyRoute.Uninstall => (HttpMethod.Post, "/forge/uninstall"),
            _ => (HttpMethod.Post, "/forge/webhook"),
        };

    /// <summary>A rule reaching the free-form values: step bodies, Jira fields and updates, an AI schema, nested blocks.</summary>
    private JsonObject RichRule(string name) => (JsonObject)JsonNode.Parse($$$"""
        {
          "name": "{{{name}}}",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"], "issueTypes": ["Bug"],
                       "fieldChanged": { "field": "status", "from": "To Do", "to": "Done" } },
          "conditions": { "all": [
            { "field": "issue.fields.priority.name", "op": "equals", "value": "High" },
            { "any": [ { "field": "issue.fields.issuetype.name", "op": "in", "value": ["Bug", "Task"] },
                       { "field": "issue.fields.storyPoints", "op": "greaterThan", "value": 3 } ] } ] },
          "steps": [
            { "id": "ticket", "type": "http", "connection": "{{{Connection}}}", "method": "POST", "path": "/tickets/{{ issue.key | url_encode }}",
              "headers": { "X-Source": "blubees" }, "query": { "source": "jira" },
              "body": { "key": "{{ issue.key }}", "list": [1, { "deep": true }] }, "timeoutSeconds": 15, "onError": "continue",
              "if": { "field": "issue.key", "op": "isNotEmpty" } },
            { "id": "triage", "type": "jira.edit", "fields": { "labels": ["triaged"], "customfield_10016": 3 },
              "update": { "labels": [{ "add": "urgent" }] } },
            { "id": "search", "type": "jira.search", "jql": "project = OPS", "select": ["summary"], "maxResults": 10 },
            { "id": "start", "type": "jira.transition", "transition": "In Progress" },
            { "id": "parent", "type": "jira.fetch", "issue": "{{ issue.key }}", "onError": "continue" },
            { "id": "owner", "type": "jira.assign", "assignee": "557058:abc" },
            { "id": "blocks", "type": "jira.link", "linkType": "Blocks", "inwardIssue": "OPS-2" },
            { "id": "archive", "type": "transfer",
              "source": { "connection": "{{{Connection}}}", "method": "GET", "path": "/files/1", "headers": { "Accept": "*/*" }, "query": { "v": "1" } },
              "destination": { "connection": "{{{Connection}}}", "method": "PUT", "path": "/store/1" }, "maxBytes": 1048576, "timeoutSeconds": 60 },
            { "id": "ask", "type": "ai.chat", "connection": "{{{Ai}}}", "model": "gpt-4o-mini", "prompt": "{{ issue.fields.summary }}",
              "schema": { "type": "object", "properties": { "priority": { "type": "string", "enum": ["High", "Low"] } }, "required": ["priority"] } },
            { "id": "branch", "type": "if", "if": { "field": "steps.ask.output.priority", "op": "equals", "value": "High" },
              "then": [ { "id": "hot", "type": "jira.comment", "body": "Hot" } ], "else": [ { "id": "cold", "type": "jira.comment", "body": "Cold" } ] },
            { "id": "each", "type": "forEach", "items": "steps.search.issues", "limit": 10,
              "steps": [ { "id": "sub", "type": "jira.create", "issueType": "Task", "project": "OPS", "fields": { "summary": "Follow up {{ item.key }}" } } ] }
          ]
        }
        """)!;
}
