namespace BluBees.Aws.Tests.Fakes;

/// <summary>The settings that point a backend at the KMS and SQS stand-ins, as the deployed stack points it at KMS and SQS.</summary>
internal static class StandInSettings
{
    /// <summary>
    /// Data keys wrapped by <paramref name="keyArn"/> on <paramref name="kms"/>; runs queued on <paramref name="queueUrl"/>
    /// of <paramref name="sqs"/>, with a send timeout a loaded test machine does not mistake for an SQS outage.
    /// </summary>
    public static Dictionary<string, string?> WithKmsAndSqs(this Dictionary<string, string?> settings, KmsFake kms, string keyArn, SqsFake sqs, string queueUrl)
    {
        settings["Keys:Provider"] = "Kms";
        settings["Keys:KmsKeyId"] = keyArn;
        settings["Keys:KmsServiceUrl"] = kms.Address.ToString();
        settings["Queue:Provider"] = "Sqs";
        settings["Queue:QueueUrl"] = queueUrl;
        settings["Queue:SqsServiceUrl"] = sqs.Address.ToString();
        settings["Queue:SendTimeoutMilliseconds"] = "60000";
        return settings;
    }
}
