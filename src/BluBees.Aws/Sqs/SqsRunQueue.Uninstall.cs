using Amazon.Runtime;
using Amazon.SQS.Model;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Logging;

namespace BluBees.Aws.Sqs;

/// <summary>
/// An uninstall asks the worker to finish it: one <see cref="UninstallFinishMessage"/> on the run queue, delayed
/// 15 minutes, before its erase (so an erase cut off by the function's timeout is finished), and one at once when
/// the erase is refused. A refused finish returns to the queue (SQS redelivers after the visibility timeout, then moves it to the
/// dead-letter queue, whose alarm fires); a finished one is deleted. Only the API's role may send to the queue.
/// </summary>
internal sealed partial class SqsRunQueue : IUninstallFinishQueue
{
    public async Task RequestAsync(TenantId tenantId, TimeSpan delay, CancellationToken ct)
    {
        var settings = options.Value;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(settings.SendTimeoutMilliseconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            await client.Value.SendMessageAsync(new SendMessageRequest
            {
                QueueUrl = settings.QueueUrl,
                MessageBody = UninstallFinishMessage.Body(tenantId),
                MessageGroupId = GroupId(tenantId.Value),
                // SQS accepts 0 to 900 s (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
                DelaySeconds = (int)Math.Clamp(delay.TotalSeconds, 0, IUninstallFinishQueue.AfterTheErase.TotalSeconds),
            }, linked.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var service = ex as AmazonServiceException;
            LogFinishSendFailed(logger, ex.GetType().Name, service?.ErrorCode ?? "none", deadline.IsCancellationRequested);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS send of an uninstall's finish request failed ({ExceptionType}, AWS error {ErrorCode}, deadline passed: {DeadlinePassed})")]
    private static partial void LogFinishSendFailed(ILogger logger, string exceptionType, string errorCode, bool deadlinePassed);
}
