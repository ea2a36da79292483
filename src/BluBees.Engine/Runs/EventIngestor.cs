using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Events;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>The outcome of accepting an event.</summary>
public enum IngestResult { Accepted, Duplicate, Unavailable }

/// <summary>
/// De-duplicates and enqueues an event, fast enough for Forge's 5 s budget. The de-duplication key is built
/// from the event's identifiers only (type, timestamp, issue, changelog and comment ids), never its content,
/// and is tenant-scoped because it lives in the tenant's partition.
/// </summary>
public sealed partial class EventIngestor(IStore store, IRunQueue queue, TenantService tenants, TimeProvider time, ILogger<EventIngestor> logger)
{
    public static readonly TimeSpan DedupWindow = TimeSpan.FromDays(1);

    /// <param name="trace">The <c>X-Atlassian-Webhook-Trace</c> the event arrived with, if any: handed to the run for loop detection.</param>
    public async Task<IngestResult> IngestAsync(TenantContext tenant, JiraEvent evt, string? systemToken, string? trace, CancellationToken ct)
    {
        await tenants.EnsureAsync(tenant, ct);
        var now = time.GetUtcNow();
        var dedupKey = Keys.Dedup(DedupKey(evt));
        var pk = Keys.Tenant(tenant.TenantId);
        var marker = new StoreItem(pk, dedupKey, StoredJson.Write(new DedupMarker(now)), now.Add(DedupWindow).ToUnixTimeSeconds());
        if (!await store.PutIfAbsentAsync(marker, ct))
        {
            LogDuplicate(logger, evt.EventType);
            return IngestResult.Duplicate;
        }

        try
        {
            await queue.EnqueueAsync(new RunMessage(tenant, RunSource.Event, evt.Body.ToJsonString(), now, systemToken, Trace: trace is { Length: > 0 and <= 200 } ? trace : null), ct);
        }
        catch (QueueFullException)
        {
            // Forget the marker so that Forge's retry is not mistaken for a duplicate.
            await store.DeleteAsync(pk, dedupKey, CancellationToken.None);
            return IngestResult.Unavailable;
        }
        catch
        {
            // No marker may outlive a failed enqueue, whatever the failure (e.g. a message too large to queue).
            await store.DeleteAsync(pk, dedupKey, CancellationToken.None);
            throw;
        }

        LogAccepted(logger, evt.EventType);
        return IngestResult.Accepted;
    }

    public static string DedupKey(JiraEvent evt)
    {
        var body = evt.Body;
        var identity = string.Join('\n',
            evt.EventType,
            evt.Timestamp ?? string.Empty,
            evt.IssueId ?? string.Empty,
            evt.ChangelogId ?? string.Empty,
            evt.CommentId ?? string.Empty);
        if (body["timestamp"] is null)
        {
            // Without a timestamp the identifiers cannot tell two events apart; fall back to the content hash.
            identity += "\n" + body.ToJsonString();
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventType} accepted")]
    private static partial void LogAccepted(ILogger logger, string eventType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventType} was a redelivery; ignored")]
    private static partial void LogDuplicate(ILogger logger, string eventType);

    private sealed record DedupMarker(DateTimeOffset ReceivedAt);
}

/// <summary>The queue cannot take more work right now; the caller should ask Forge to retry.</summary>
public sealed class QueueFullException() : Exception("The run queue is full.");
