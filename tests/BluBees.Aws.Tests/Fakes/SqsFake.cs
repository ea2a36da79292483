using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace BluBees.Aws.Tests.Fakes;

/// <summary>
/// How SendMessage fails, as SQS fails on the wire (AWS JSON 1.0 errors: HTTP status + <c>__type</c>; see
/// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html#API_SendMessage_Errors
/// and CommonErrors.html).
/// </summary>
public enum SqsFault
{
    /// <summary>HTTP 400 RequestThrottled (the SDK retries it, then gives up).</summary>
    Throttling,

    /// <summary>HTTP 500 InternalFailure.</summary>
    InternalError,

    /// <summary>HTTP 503 ServiceUnavailable.</summary>
    ServiceUnavailable,

    /// <summary>The connection is reset before any answer.</summary>
    ConnectionReset,

    /// <summary>No answer at all until the client gives up.</summary>
    NoAnswer,

    /// <summary>HTTP 400 AccessDeniedException (the role lost sqs:SendMessage).</summary>
    AccessDenied,

    /// <summary>HTTP 400 KmsDisabled: SSE-KMS could not encrypt the message (the queue's KMS key is disabled).</summary>
    KmsDisabled,

    /// <summary>HTTP 400 KmsAccessDenied: the sender may not use the queue's KMS key.</summary>
    KmsAccessDenied,

    /// <summary>The message is kept, then HTTP 500 InternalFailure: the answer was lost, not the message (each retry keeps another copy).</summary>
    KeptThenInternalError,
}

/// <summary>
/// A stand-in for Amazon SQS on loopback (AWS JSON 1.0, <c>AmazonSQS.*</c>, as AWSSDK.SQS 4.x speaks it) with
/// the queue semantics the worker relies on: visibility timeout (on an injected clock), receive counts, delete
/// by receipt handle, and redrive to a dead-letter queue once a message has been received maxReceiveCount
/// times. MD5 digests are real, because the SDK checks them. Driven by the real AmazonSQSClient.
/// </summary>
public sealed class SqsFake : IAsyncDisposable
{
    private const string Account = "111122223333";
    private const int MaximumMessageSize = 262_144;
    private readonly Dictionary<string, FakeQueue> _queues = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly List<JsonObject> _sendRequests = [];
    private AwsJsonServer _server = null!;
    private SqsFault? _sendFault;

    private SqsFake(TimeProvider time) => _time = time;

    public Uri Address => _server.Address;

    public static async Task<SqsFake> StartAsync(TimeProvider time)
    {
        var fake = new SqsFake(time);
        fake._server = await AwsJsonServer.StartAsync("application/x-amz-json-1.0", fake.Handle);
        fake._server.Interceptor = fake.InterceptAsync;
        return fake;
    }

    /// <summary>Every SendMessage that reached the queue, as the SDK put it on the wire.</summary>
    public IReadOnlyList<JsonObject> SendRequests
    {
        get
        {
            lock (_queues)
            {
                return [.. _sendRequests.Select(r => r.DeepClone().AsObject())];
            }
        }
    }

    /// <summary>Every SendMessage fails with <paramref name="fault"/> from now on; null lets them through again.</summary>
    public void FailSends(SqsFault? fault) => _sendFault = fault;

    private async Task<bool> InterceptAsync(string operation, HttpContext context)
    {
        if (operation != "SendMessage" || _sendFault is not { } fault)
        {
            return false;
        }

        switch (fault)
        {
            case SqsFault.KeptThenInternalError:
                using (var reader = new StreamReader(context.Request.Body))
                {
                    Handle(operation, JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject());
                }

                break;
            case SqsFault.ConnectionReset:
                context.Abort();
                return true;
            case SqsFault.NoAnswer:
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up, as it should.
                }

                return true;
        }

        var (status, type) = fault switch
        {
            SqsFault.Throttling => (400, "RequestThrottled"),
            SqsFault.InternalError or SqsFault.KeptThenInternalError => (500, "InternalFailure"),
            SqsFault.ServiceUnavailable => (503, "ServiceUnavailable"),
            SqsFault.AccessDenied => (400, "AccessDeniedException"),
            SqsFault.KmsDisabled => (400, "KmsDisabled"),
            _ => (400, "KmsAccessDenied"),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.0";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-query-error"] = $"AWS.SimpleQueueService.{type};{(status >= 500 ? "Receiver" : "Sender")}";
        await context.Response.WriteAsync(new JsonObject { ["__type"] = "com.amazonaws.sqs#" + type, ["message"] = $"Injected {type}." }.ToJsonString());
        return true;
    }

    /// <summary>Creates a queue and returns its URL. With a dead-letter queue, redrive after <paramref name="maxReceiveCount"/> receives.</summary>
    public string CreateQueue(string name, TimeSpan visibilityTimeout, string? deadLetterQueueUrl = null, int maxReceiveCount = 5)
    {
        var url = $"{Address.ToString().TrimEnd('/')}/{Account}/{name}";
        lock (_queues)
        {
            _queues[url] = new FakeQueue(visibilityTimeout, deadLetterQueueUrl, maxReceiveCount);
        }

        return url;
    }

    /// <summary>Bodies of every message in the queue, visible or in flight.</summary>
    public IReadOnlyList<string> Bodies(string queueUrl)
    {
        lock (_queues)
        {
            return [.. Queue(queueUrl).Messages.Select(m => m.Body)];
        }
    }

    private JsonObject Handle(string operation, JsonObject request)
    {
        lock (_queues)
        {
            return operation switch
            {
                "SendMessage" => Send(request),
                "ReceiveMessage" => Receive(request),
                "DeleteMessage" => Delete(request),
                "StartMessageMoveTask" => MoveMessages(request),
                "GetQueueUrl" => new JsonObject { ["QueueUrl"] = _queues.Keys.FirstOrDefault(u => u.EndsWith("/" + (string)request["QueueName"]!, StringComparison.Ordinal)) ?? throw NoQueue() },
                "GetQueueAttributes" => new JsonObject { ["Attributes"] = new JsonObject { ["ApproximateNumberOfMessages"] = Queue(request).Messages.Count.ToString(CultureInfo.InvariantCulture) } },
                _ => throw new AwsFaultException("com.amazonaws.sqs#UnsupportedOperation", $"{operation} is not supported by the fake."),
            };
        }
    }

    private JsonObject Send(JsonObject request)
    {
        var body = (string?)request["MessageBody"] ?? throw new AwsFaultException("com.amazonaws.sqs#MissingParameter", "MessageBody is required.");
        if (Encoding.UTF8.GetByteCount(body) > MaximumMessageSize)
        {
            // The queue's MaximumMessageSize (template.yaml: 262144, SQS's default).
            throw new AwsFaultException("com.amazonaws.sqs#InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.");
        }

        var delay = request["DelaySeconds"] is { } d ? (int)d : 0;
        if (delay is < 0 or > 900)
        {
            // SendMessage's DelaySeconds: 0 to 900 (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
            throw new AwsFaultException("com.amazonaws.sqs#InvalidParameterValue", $"Value {delay} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.");
        }

        _sendRequests.Add(request.DeepClone().AsObject());
        var now = _time.GetUtcNow();
        var message = new FakeMessage(Guid.NewGuid().ToString(), body, now) { VisibleAt = now.AddSeconds(delay) };
        Queue(request).Messages.Add(message);
        return new JsonObject { ["MessageId"] = message.Id, ["MD5OfMessageBody"] = Md5(body) };
    }

    private JsonObject Receive(JsonObject request)
    {
        var queue = Queue(request);
        var max = (int?)request["MaxNumberOfMessages"] ?? 1;
        if (max is < 1 or > 10)
        {
            // ReceiveMessage's MaxNumberOfMessages: "Valid values: 1 to 10. Default: 1."
            // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).
            throw new AwsFaultException("com.amazonaws.sqs#InvalidParameterValue", $"Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        }

        var visibility = request["VisibilityTimeout"] is { } v ? TimeSpan.FromSeconds((int)v) : queue.VisibilityTimeout;
        var now = _time.GetUtcNow();
        var delivered = new JsonArray();
        foreach (var message in queue.Messages.Where(m => m.VisibleAt <= now).ToList())
        {
            if (delivered.Count == max)
            {
                break;
            }

            if (queue.DeadLetterQueueUrl is { } dlq && message.ReceiveCount >= queue.MaxReceiveCount)
            {
                // SQS's redrive: on the receive after the last allowed one, the message moves instead of being delivered.
                queue.Messages.Remove(message);
                _queues[dlq].Messages.Add(message with { ReceiveCount = 0, VisibleAt = now, ReceiptHandle = null });
                continue;
            }

            message.ReceiveCount++;
            message.VisibleAt = now + visibility;
            if (message.ReceiptHandle is { } earlier)
            {
                message.EarlierReceiptHandles.Add(earlier);
            }

            message.ReceiptHandle = Guid.NewGuid().ToString("N");
            delivered.Add(new JsonObject
            {
                ["MessageId"] = message.Id,
                ["ReceiptHandle"] = message.ReceiptHandle,
                ["MD5OfBody"] = Md5(message.Body),
                ["Body"] = message.Body,
                ["Attributes"] = new JsonObject
                {
                    ["ApproximateReceiveCount"] = message.ReceiveCount.ToString(CultureInfo.InvariantCulture),
                    ["SentTimestamp"] = message.SentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                },
            });
        }

        return new JsonObject { ["Messages"] = delivered };
    }

    private JsonObject Delete(JsonObject request)
    {
        var queue = Queue(request);
        var handle = (string?)request["ReceiptHandle"];
        if (handle is not null && queue.Messages.Any(m => m.EarlierReceiptHandles.Contains(handle)))
        {
            // The handle of an earlier receive of a message received again since (its visibility timeout ended while
            // the first consumer still had it): "if you don't provide the most recently received receipt handle for the
            // message, the request will still succeed, but the message might not be deleted"
            // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html). Not deleted.
            return [];
        }

        var message = queue.Messages.FirstOrDefault(m => m.ReceiptHandle is not null && m.ReceiptHandle == handle)
            ?? throw new AwsFaultException("com.amazonaws.sqs#ReceiptHandleIsInvalid", "The receipt handle is not valid.");
        queue.Messages.Remove(message);
        return [];
    }

    /// <summary>The queue's ARN, as <c>StartMessageMoveTask</c> names queues.</summary>
    public static string ArnOf(string queueUrl) => $"arn:aws:sqs:us-east-1:{Account}:{queueUrl[(queueUrl.LastIndexOf('/') + 1)..]}";

    /// <summary>
    /// A dead-letter queue redrive (<c>StartMessageMoveTask</c>), done at once rather than as a background task: every
    /// message of the source moves to the destination (by default the queue that dead-letters into the source) as a new
    /// message, with a new message id and enqueue time and no receives counted — "all redriven messages are considered new
    /// messages with a new messageID and enqueueTime"
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html).
    /// </summary>
    private JsonObject MoveMessages(JsonObject request)
    {
        var sourceUrl = UrlOf((string?)request["SourceArn"] ?? throw new AwsFaultException("com.amazonaws.sqs#MissingParameter", "SourceArn is required."));
        var source = Queue(sourceUrl);
        var destination = request["DestinationArn"] is { } arn
            ? Queue(UrlOf((string)arn!))
            : _queues.Values.FirstOrDefault(q => q.DeadLetterQueueUrl == sourceUrl)
                ?? throw new AwsFaultException("com.amazonaws.sqs#InvalidParameterValue", "The source queue is not a dead-letter queue.");
        var now = _time.GetUtcNow();
        foreach (var message in source.Messages.ToList())
        {
            source.Messages.Remove(message);
            destination.Messages.Add(new FakeMessage(Guid.NewGuid().ToString(), message.Body, now));
        }

        return new JsonObject { ["TaskHandle"] = Guid.NewGuid().ToString("N") };
    }

    private string UrlOf(string arn)
        => _queues.Keys.FirstOrDefault(u => ArnOf(u) == arn) ?? throw new AwsFaultException("com.amazonaws.sqs#ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.");

    private FakeQueue Queue(JsonObject request) => Queue((string?)request["QueueUrl"] ?? throw NoQueue());

    private FakeQueue Queue(string url) => _queues.TryGetValue(url, out var queue) ? queue : throw NoQueue();

    private static AwsFaultException NoQueue() => new("com.amazonaws.sqs#QueueDoesNotExist", "The specified queue does not exist.");

#pragma warning disable CA5351 // SQS's MD5OfBody is an MD5 checksum by protocol, not a security use.
    private static string Md5(string body) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5351

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed record FakeQueue(TimeSpan VisibilityTimeout, string? DeadLetterQueueUrl, int MaxReceiveCount)
    {
        public List<FakeMessage> Messages { get; } = [];
    }

    private sealed record FakeMessage(string Id, string Body, DateTimeOffset SentAt)
    {
        public int ReceiveCount { get; set; }
        public DateTimeOffset VisibleAt { get; set; } = SentAt;
        public string? ReceiptHandle { get; set; }

        /// <summary>The handles of the receives before the latest one.</summary>
        public HashSet<string> EarlierReceiptHandles { get; } = new(StringComparer.Ordinal);
    }
}
