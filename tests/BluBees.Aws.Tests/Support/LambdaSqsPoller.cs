using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace BluBees.Aws.Tests.Support;

/// <summary>
/// Plays the Lambda event source mapping: receives up to 10 messages with the real SQS client, POSTs them to
/// the worker as the Lambda SQS event (as the Web Adapter does), and deletes the ones not reported in
/// <c>batchItemFailures</c>. Failed ones stay in flight until their visibility timeout ends.
/// </summary>
public sealed class LambdaSqsPoller(IAmazonSQS sqs, string queueUrl, HttpClient worker)
{
    public sealed record Delivery(IReadOnlyList<Message> Messages, IReadOnlyList<string> Failures, int Status);

    public async Task<Delivery> DeliverOnceAsync()
    {
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = 10,
            MessageSystemAttributeNames = ["All"],
        });
        var messages = received.Messages ?? [];
        if (messages.Count == 0)
        {
            return new Delivery([], [], 0);
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

        using var response = await worker.PostAsJsonAsync("/internal/sqs-batch", new JsonObject { ["Records"] = records });
        var failures = new List<string>();
        if (response.IsSuccessStatusCode)
        {
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            failures.AddRange(answer["batchItemFailures"]!.AsArray().Select(f => (string)f!["itemIdentifier"]!));
            foreach (var m in messages.Where(m => !failures.Contains(m.MessageId)))
            {
                await sqs.DeleteMessageAsync(queueUrl, m.ReceiptHandle);
            }
        }

        return new Delivery(messages, failures, (int)response.StatusCode);
    }
}
