using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace BluBees.Aws.Tests.Support;

/// <summary>
/// Plays the Lambda SQS event source mapping and the Lambda Web Adapter in front of the worker, exactly as they
/// behave, so that the tests see what production does with each answer of <c>POST /internal/sqs-batch</c>:
/// <list type="number">
/// <item>The mapping receives up to 10 messages and invokes the function with the SQS event.</item>
/// <item>The adapter POSTs the event to the pass-through path. If the status is one of
/// <c>AWS_LWA_ERROR_STATUS_CODES</c> the invocation fails; otherwise the status and headers are discarded and only
/// the body, parsed as JSON (<c>null</c> when it does not parse), is the function's result
/// (aws-lambda-web-adapter src/lib.rs <c>fetch_response</c>; lambda_http response.rs <c>RequestOrigin::PassThrough</c>;
/// https://awslabs.github.io/aws-lambda-web-adapter/features/error-status-codes.html).</item>
/// <item>With <c>ReportBatchItemFailures</c>, the mapping treats a failed invocation as the whole batch failed (nothing
/// deleted); a result that is null, has no or an empty <c>batchItemFailures</c> as complete success (all deleted);
/// an item failure with an empty, null or unknown <c>itemIdentifier</c> as complete failure; otherwise it deletes
/// every message not listed (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).</item>
/// </list>
/// Messages not deleted stay in flight until their visibility timeout ends, then SQS redelivers or redrives them.
/// The error status codes come from template.yaml's worker function by default, so this fake is configured as
/// the deployed adapter is.
/// </summary>
/// <param name="batchSize">The mapping's batch size (template.yaml: 10); 1 plays invocations that each receive one message.</param>
public sealed class LambdaSqsPoller(IAmazonSQS sqs, string queueUrl, HttpClient worker, string? errorStatusCodes = null, bool useTemplate = true, int batchSize = 10)
{
    public const string PassThroughPath = "/internal/sqs-batch";

    private readonly IReadOnlySet<int> _errorStatusCodes = ParseStatusCodes(useTemplate
        ? errorStatusCodes ?? DeployedTemplate.FunctionEnvironment("WorkerFunction", "AWS_LWA_ERROR_STATUS_CODES")
        : errorStatusCodes);

    /// <summary>What one invocation did: the messages delivered, the worker's answer, and which messages were deleted.</summary>
    public sealed record Delivery(IReadOnlyList<Message> Messages, int Status, bool InvocationFailed, IReadOnlyList<string> Failures, IReadOnlyList<string> Deleted);

    public async Task<Delivery> DeliverOnceAsync()
    {
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = batchSize,
            MessageSystemAttributeNames = ["All"],
        });
        var messages = received.Messages ?? [];
        if (messages.Count == 0)
        {
            return new Delivery([], 0, false, [], []);
        }

        var records = new JsonArray();
        foreach (var m in messages)
        {
            records.Add(new JsonObject
            {
                ["messageId"] = m.MessageId,
                ["receiptHandle"] = m.ReceiptHandle,
                ["body"] = m.Body,
                ["attributes"] = new JsonObject((m.Attributes ?? []).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
                ["messageAttributes"] = new JsonObject(),
                ["md5OfBody"] = m.MD5OfBody,
                ["eventSource"] = "aws:sqs",
                ["eventSourceARN"] = "arn:aws:sqs:us-east-1:111122223333:blubees-test-runs",
                ["awsRegion"] = "us-east-1",
            });
        }

        using var content = new StringContent(new JsonObject { ["Records"] = records }.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await worker.PostAsync(PassThroughPath, content);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (_errorStatusCodes.Contains(status))
        {
            // The adapter turns the answer into a Lambda error: the whole batch returns to the queue.
            return new Delivery(messages, status, true, [], []);
        }

        var (complete, failures) = Interpret(ParseOrNull(text), messages.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal));
        if (!complete)
        {
            return new Delivery(messages, status, false, failures, []);
        }

        var deleted = new List<string>();
        foreach (var m in messages.Where(m => !failures.Contains(m.MessageId)))
        {
            await sqs.DeleteMessageAsync(queueUrl, m.ReceiptHandle);
            deleted.Add(m.MessageId);
        }

        return new Delivery(messages, status, false, failures, deleted);
    }

    /// <summary>The mapping's reading of a result: whether it is usable, and the ids to keep.</summary>
    private static (bool Usable, IReadOnlyList<string> Failures) Interpret(JsonNode? result, IReadOnlySet<string> batch)
    {
        if (result is not JsonObject obj || obj["batchItemFailures"] is not JsonArray items)
        {
            return (true, []); // null result, or no batchItemFailures: complete success
        }

        var failures = new List<string>();
        foreach (var item in items)
        {
            var id = item is JsonObject o && o["itemIdentifier"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (string.IsNullOrEmpty(id) || !batch.Contains(id))
            {
                return (false, []); // complete failure: nothing deleted
            }

            failures.Add(id);
        }

        return (true, failures);
    }

    private static JsonNode? ParseOrNull(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null; // lambda_http: unwrap_or_default() → Value::Null
        }
    }

    /// <summary>The adapter's parser (src/lib.rs <c>parse_status_codes</c>): "500,502-504,422"; a malformed part is skipped.</summary>
    internal static IReadOnlySet<int> ParseStatusCodes(string? value)
    {
        var codes = new HashSet<int>();
        foreach (var raw in (value ?? string.Empty).Split(','))
        {
            var part = raw.Trim();
            if (part.Contains('-', StringComparison.Ordinal))
            {
                var range = part.Split('-');
                if (range.Length == 2 && ushort.TryParse(range[0], System.Globalization.NumberStyles.None, null, out var low)
                    && ushort.TryParse(range[1], System.Globalization.NumberStyles.None, null, out var high))
                {
                    for (int code = low; code <= high; code++)
                    {
                        codes.Add(code);
                    }
                }
            }
            else if (ushort.TryParse(part, System.Globalization.NumberStyles.None, null, out var single))
            {
                codes.Add(single);
            }
        }

        return codes;
    }
}
