using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// <c>kill -9</c> after the step's third party answered, while the run's record commit waits (another process holds
/// the SQLite file's write lock, as an operator's <c>sqlite3</c> shell or a backup would): the steps ran, nothing of the
/// run is committed. docs/architecture.md promises at-least-once to the third party and exactly one record: the next
/// start runs the message again (a suspect, alone), its record is written once, and a redelivery of the event by Forge
/// is then a duplicate, not a second run. Real backend processes on one data directory, a real loopback third party.
/// </summary>
[NonParallelizable]
public sealed class KillBeforeRecordCommitTests() : ChildProcessTests("kill-commit")
{
    [Test]
    public async Task A_kill_between_the_steps_answer_and_the_record_commit_leaves_one_record_after_the_restart()
    {
        var calls = 0;
        SqliteConnection? holder = null;
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await LoopbackServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // The first call: the write lock is taken before the answer, so the run's record commit cannot happen.
                holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataDirectory, "blubees.db"), Pooling = false }.ToString());
                await holder.OpenAsync();
                await using var begin = holder.CreateCommand();
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.WriteAsync("{}");
            await context.Response.CompleteAsync();
            answered.TrySetResult();
        });

        var tenant = Samples.NewTenant();
        var evt = Samples.Event("OPS-81", "kill before the record");
        try
        {
            await using (var first = await BackendProcess.StartAsync(DataDirectory))
            {
                await ProcessRestartTests.CreateRuleAsync(first, tenant, api.Address);
                using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt.DeepClone()))
                {
                    Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
                }

                await answered.Task.WaitAsync(Generous);
                await first.KillAsync();
            }
        }
        finally
        {
            if (holder is not null)
            {
                await holder.DisposeAsync(); // rolls back: the lock is free for the next start
            }
        }

        await using var second = await BackendProcess.StartAsync(DataDirectory);
        var runs = await Waits.UntilAsync(
            async () => (await second.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(r => r!.DeepClone()).ToList(),
            r => r.Count >= 1, Generous);
        using var redelivery = await second.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt.DeepClone());
        var redeliveryStatus = (string?)JsonNode.Parse(await redelivery.Content.ReadAsStringAsync())?["status"];
        var after = (await second.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (string?)r["status"]), Is.EqualTo(new[] { "succeeded" }), "one record, the run's outcome");
            Assert.That(Volatile.Read(ref calls), Is.EqualTo(2), "at least once to the third party: the run whose record was lost ran again, once");
            Assert.That((redelivery.StatusCode, redeliveryStatus), Is.EqualTo((HttpStatusCode.OK, "duplicate")), "the finished event is not run again");
            Assert.That(after, Has.Count.EqualTo(1), "still one record");
        });
    }
}
