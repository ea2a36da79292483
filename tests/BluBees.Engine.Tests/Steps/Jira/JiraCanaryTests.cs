using System.Text.Json;
using BluBees.Engine.Json;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>The system token and the payload reach Jira, and nothing else: not the logs, not the step record.</summary>
[TestFixture]
public sealed class JiraCanaryTests
{
    [Test]
    public async Task System_token_and_payload_appear_in_no_log_and_no_record()
    {
        await using var kit = new JiraKit();
        var token = "CANARY-token-" + Guid.NewGuid().ToString("N");
        var payload = "CANARY-payload-" + Guid.NewGuid().ToString("N");
        kit.Site.AcceptedToken = token;
        kit.Site.Throttle(1);
        kit.Site.RetryAfter = "1";
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["summary"] = payload;

        var records = new List<StepRecord>();
        foreach (var step in new[]
        {
            """{"id":"c","type":"jira.comment","body":"{{ issue.fields.summary }}"}""",
            """{"id":"e","type":"jira.edit","fields":{"summary":"{{ issue.fields.summary }}"}}""",
            """{"id":"t","type":"jira.transition","transition":"{{ issue.fields.summary }}"}""",
            """{"id":"f","type":"jira.fetch"}""",
        })
        {
            var run = kit.Actions.ExecuteAsync(new Engine.Execution.StepRun(JiraKit.Tenant, token, scope) { Trace = "blubees.r.x" }, JiraKit.Compile(step), CancellationToken.None);
            while (!run.IsCompleted)
            {
                await Task.Delay(5);
                kit.Time.Advance(TimeSpan.FromMilliseconds(250));
            }

            records.Add((await run).Record);
        }

        Assert.That(kit.Site.Requests.All(r => r.Authorization == "Bearer " + token), Is.True, "Jira got the token");
        Assert.That(kit.Site.Requests.Any(r => r.Body?.ToJsonString().Contains(payload, StringComparison.Ordinal) == true), Is.True, "Jira got the payload");
        Assert.That(records.Select(r => r.ErrorCategory), Is.EqualTo(new string?[] { null, null, ErrorCategories.TransitionNotFound, null }));
        var stored = JsonSerializer.Serialize(records, JsonDefaults.Options);
        var logs = string.Join('\n', kit.Logs);
        Assert.That(logs, Is.Not.Empty, "the rate limit and the missing transition were logged");
        foreach (var canary in new[] { token, payload })
        {
            Assert.That(stored, Does.Not.Contain(canary));
            Assert.That(logs, Does.Not.Contain(canary));
        }
    }
}
