using System.Text.Json.Nodes;
using BluBees.Api.Scheduling;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// Scheduler "instances" over the backend's real store: each <see cref="Runner"/> is a fresh set of objects (as after a
/// restart, or on another instance) with its own clock and a queue that records what it was handed.
/// </summary>
public abstract class CronTickHarness : FakeClockFixture
{
    protected static JsonObject Cron(string cron, string? timeZone = null, string? jql = null, int? maxIssues = null)
    {
        var schedule = new JsonObject { ["cron"] = cron };
        if (timeZone is not null)
        {
            schedule["timeZone"] = timeZone;
        }

        if (jql is not null)
        {
            schedule["jql"] = jql;
        }

        if (maxIssues is not null)
        {
            schedule["maxIssues"] = maxIssues;
        }

        return new JsonObject { ["type"] = "schedule", ["schedule"] = schedule };
    }

    private protected ScheduleRunner Runner(TimeProvider clock, RecordingQueue queue, IStore? store = null)
    {
        var s = Backend.Services;
        store ??= s.GetRequiredService<IStore>();
        var ingress = new EventIngestor(store, queue, s.GetRequiredService<TenantService>(), s.GetRequiredService<RuleService>(), new IngressGate(),
            s.GetRequiredService<BluBees.Engine.Observability.BluBeesMetrics>(), clock, NullLogger<EventIngestor>.Instance, s.GetRequiredService<BluBees.Engine.Runs.RunStore>());
        var cron = new CronTicks(store, ingress, ActivatorUtilities.CreateInstance<JiraIssueSearch>(s), s.GetRequiredService<RunStore>(), clock, NullLogger<CronTicks>.Instance);
        return new ScheduleRunner(s.GetRequiredService<RuleService>(), store, ingress, s.GetRequiredService<TenantService>(), cron, s.GetRequiredService<BluBees.Engine.Rules.IRuleRunHistory>(), clock, NullLogger<ScheduleRunner>.Instance);
    }

    /// <summary>The occurrence each message was queued for.</summary>
    private protected static IEnumerable<DateTimeOffset> Occurrences(IEnumerable<RunMessage> messages)
        => messages.Select(m => DateTimeOffset.Parse(JsonNode.Parse(m.Payload)!["scheduledAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The first */5 occurrence after <paramref name="t"/>.</summary>
    protected static DateTimeOffset NextFive(DateTimeOffset t)
    {
        var floor = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute - t.Minute % 5, 0, TimeSpan.Zero);
        return floor.AddMinutes(5);
    }

    /// <summary>A queue that records messages; it can refuse (full) or fail (a crash) from the Nth message on.</summary>
    private protected sealed class RecordingQueue : IRunQueue
    {
        private readonly Lock _lock = new();
        private readonly List<RunMessage> _messages = [];

        public IReadOnlyList<RunMessage> Messages
        {
            get
            {
                lock (_lock)
                {
                    return [.. _messages];
                }
            }
        }

        /// <summary>Messages accepted before the queue reports full.</summary>
        public int? FullAfter { get; set; }

        /// <summary>Messages accepted before the process "crashes" mid-tick.</summary>
        public int? CrashAfter { get; set; }

        public ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
        {
            lock (_lock)
            {
                if (_messages.Count >= FullAfter)
                {
                    throw new QueueFullException();
                }

                if (_messages.Count >= CrashAfter)
                {
                    throw new InvalidOperationException("simulated crash");
                }

                _messages.Add(message);
            }

            return ValueTask.CompletedTask;
        }
    }
}
