using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using BluBees.Engine.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The production queue: one encrypted SQS message per run (see <see cref="RunMessageCodec"/>). The worker
/// function receives batches through the Lambda Web Adapter at <c>POST /internal/sqs-batch</c>.
/// <para>
/// Failure contract (the ingress relies on it to keep no de-duplication marker without a queued message):
/// every failure to encrypt or send — SQS throttling, 5xx, access denied, a KMS error while getting the tenant's
/// data key, a network error, the send deadline — surfaces as <see cref="QueueFullException"/>, which every caller
/// turns into "retry later" (Forge events: 503, and Forge redelivers). Only a message too large for the queue is
/// <see cref="RunMessageTooLargeException"/>: retrying cannot help, the caller refuses it with 413.
/// The send runs on its own deadline (<see cref="QueueOptions.SendTimeoutMilliseconds"/>), not on the caller's
/// request token: a client that hangs up mid-send must not leave a sent message's marker removed or an unsent
/// message's marker kept, so the outcome is always known before the caller decides.
/// </para>
/// <para>
/// Fairness: the tenant goes into <c>MessageGroupId</c>, which on a standard queue turns on SQS fair queues
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html): a tenant
/// that floods the queue no longer delays the others. FIFO queues are refused at start (<see cref="QueueOptions"/>).
/// </para>
/// </summary>
internal sealed partial class SqsRunQueue(
    Lazy<IAmazonSQS> client, RunMessageCodec codec, IOptions<QueueOptions> options, TimeProvider time, ILogger<SqsRunQueue> logger) : IRunQueue, IDisposable
{
    /// <summary>SQS's limit on MessageGroupId (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).</summary>
    private const int MaxGroupIdLength = 128;

    public async ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
    {
        var settings = options.Value;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(settings.SendTimeoutMilliseconds), time);
        string body;
        try
        {
            body = await codec.EncodeAsync(message, deadline.Token);
        }
        catch (Exception ex)
        {
            LogEncryptFailed(logger, ex.GetType().Name, (ex as AmazonServiceException)?.ErrorCode ?? "none");
            throw new QueueFullException();
        }

        var size = Encoding.UTF8.GetByteCount(body);
        if (size > settings.MaxMessageBytes)
        {
            LogTooLarge(logger, size, settings.MaxMessageBytes);
            throw new RunMessageTooLargeException(settings.MaxMessageBytes);
        }

        var request = new SendMessageRequest
        {
            QueueUrl = settings.QueueUrl,
            MessageBody = body,
            MessageGroupId = GroupId(message.Tenant.TenantId),
        };
        try
        {
            await client.Value.SendMessageAsync(request, deadline.Token);
        }
        catch (Exception ex)
        {
            // No exception is let through: whatever failed, the caller must know the message is not queued.
            var service = ex as AmazonServiceException;
            LogSendFailed(logger, ex.GetType().Name, service?.ErrorCode ?? "none", service is null ? 0 : (int)service.StatusCode, deadline.IsCancellationRequested);
            throw new QueueFullException();
        }
    }

    /// <summary>
    /// The tenant as fair-queue group: the tenant id itself when SQS accepts it (at most 128 characters, ASCII
    /// letters, digits and punctuation), else a SHA-256 of it, so that every tenant still has one stable group.
    /// </summary>
    internal static string GroupId(string tenantId)
        => tenantId.Length is > 0 and <= MaxGroupIdLength && tenantId.All(c => c is > ' ' and < (char)127)
            ? tenantId
            : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId)));

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Run message could not be encrypted ({ExceptionType}, AWS error {ErrorCode}); not queued, the sender is asked to retry")]
    private static partial void LogEncryptFailed(ILogger logger, string exceptionType, string errorCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS send failed ({ExceptionType}, AWS error {ErrorCode}, HTTP {StatusCode}, deadline passed: {DeadlinePassed}); not queued, the sender is asked to retry")]
    private static partial void LogSendFailed(ILogger logger, string exceptionType, string errorCode, int statusCode, bool deadlinePassed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run message of {Size} bytes exceeds the queue limit of {Limit} bytes; refused")]
    private static partial void LogTooLarge(ILogger logger, int size, int limit);
}

/// <summary>The encrypted run message exceeds the queue's message size limit; retrying cannot help.</summary>
public sealed class RunMessageTooLargeException(int limit) : Exception($"The encrypted run message exceeds the queue limit of {limit} bytes.")
{
    public int Limit { get; } = limit;
}
