using System.ComponentModel.DataAnnotations;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Sqs;

public enum QueueProvider { InProcess, Sqs }

/// <summary>Configuration section <c>Queue</c>. Validated on start: SQS needs an absolute queue URL.</summary>
public sealed class QueueOptions : IValidatableObject
{
    public const string Section = "Queue";

    public QueueProvider Provider { get; set; } = QueueProvider.InProcess;

    /// <summary>The run queue (template.yaml sets <c>Queue__QueueUrl</c>).</summary>
    public string? QueueUrl { get; set; }

    /// <summary>SQS endpoint override (the loopback SQS stand-in in tests); empty means the regional endpoint.</summary>
    public string? SqsServiceUrl { get; set; }

    /// <summary>
    /// Largest message body sent: the queue's <c>MaximumMessageSize</c>. SQS accepts 1,024 bytes up to 1 MiB
    /// (1,048,576) and defaults to 256 KiB (262,144), which template.yaml sets explicitly
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html,
    /// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html). The body is
    /// compressed before encryption; one still too large is refused before sending (413), not failed inside SQS.
    /// </summary>
    [Range(1024, 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Deadline for encrypting and sending one message (SDK retries included). Forge gives an event delivery
    /// 5 s in all, so the ingress must know well before then whether the message is queued: keep it below
    /// 4 000 in production (tests raise it so that a loaded machine does not look like an SQS outage).
    /// </summary>
    [Range(100, 60_000)]
    public int SendTimeoutMilliseconds { get; set; } = 2500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != QueueProvider.Sqs)
        {
            yield break;
        }

        // On Linux Uri takes "/blubees-runs" as the absolute file:///blubees-runs: only http(s) reaches SQS.
        if (!ServiceUrl.IsHttp(QueueUrl))
        {
            yield return new ValidationResult("Queue:QueueUrl (env Queue__QueueUrl) must be an absolute http(s) URL when Queue:Provider is Sqs, e.g. https://sqs.eu-west-1.amazonaws.com/111122223333/blubees-runs.", [nameof(QueueUrl)]);
        }

        if (!string.IsNullOrWhiteSpace(SqsServiceUrl) && !ServiceUrl.IsHttp(SqsServiceUrl))
        {
            yield return new ValidationResult("Queue:SqsServiceUrl (env Queue__SqsServiceUrl) must be an absolute http(s) URL, or unset for the regional endpoint.", [nameof(SqsServiceUrl)]);
        }

        if (QueueUrl?.TrimEnd('/').EndsWith(".fifo", StringComparison.OrdinalIgnoreCase) == true)
        {
            // The tenant travels in MessageGroupId to use fair queues, which only a standard queue has; a FIFO
            // queue would also serialize each tenant's runs and need a deduplication id.
            yield return new ValidationResult("Queue:QueueUrl must name a standard queue, not a FIFO queue.", [nameof(QueueUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="QueueOptions"/> (attributes and <see cref="QueueOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class QueueOptionsValidator : IValidateOptions<QueueOptions>;
