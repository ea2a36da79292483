using System.Text.Json;
using System.Text.Json.Serialization;

namespace BluBees.Aws.Sqs;

/// <summary>The Lambda SQS event as the Web Adapter forwards it (only the fields the worker reads).</summary>
public sealed record SqsEvent([property: JsonPropertyName("Records")] IReadOnlyList<SqsRecord>? Records)
{
    /// <summary>Lambda's casing ("Records", then camelCase); other fields of the event are ignored.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };
}

public sealed record SqsRecord(
    [property: JsonPropertyName("messageId")] string? MessageId,
    [property: JsonPropertyName("receiptHandle")] string? ReceiptHandle,
    [property: JsonPropertyName("body")] string? Body,
    [property: JsonPropertyName("attributes")] IReadOnlyDictionary<string, string>? Attributes)
{
    public int ReceiveCount => Attributes?.TryGetValue("ApproximateReceiveCount", out var count) == true
        && int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>
    /// When SQS received the message (attribute <c>SentTimestamp</c>, epoch milliseconds, as Lambda's SQS event
    /// carries it: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), or null when absent or unreadable.
    /// </summary>
    public DateTimeOffset? SentAt => Attributes?.TryGetValue("SentTimestamp", out var sent) == true
        && long.TryParse(sent, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms is >= 0 and <= 253_402_300_799_999
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}

/// <summary>The partial batch response: only the listed messages return to the queue (and, after maxReceiveCount, the DLQ).</summary>
public sealed record SqsBatchResponse([property: JsonPropertyName("batchItemFailures")] IReadOnlyList<SqsBatchItemFailure> BatchItemFailures);

public sealed record SqsBatchItemFailure([property: JsonPropertyName("itemIdentifier")] string ItemIdentifier);
