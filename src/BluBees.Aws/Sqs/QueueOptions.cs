using System.ComponentModel.DataAnnotations;

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
    /// Largest message body sent. SQS's own limit is 256 KiB unless the queue was configured higher; the run
    /// message is refused before sending rather than failing inside SQS.
    /// </summary>
    [Range(1024, 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == QueueProvider.Sqs && !Uri.TryCreate(QueueUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Queue:QueueUrl must be an absolute URL when Queue:Provider is Sqs.", [nameof(QueueUrl)]);
        }
    }
}
