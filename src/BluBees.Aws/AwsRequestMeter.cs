using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using BluBees.Engine.Observability;

namespace BluBees.Aws;

/// <summary>
/// Counts what the AWS clients cost, on <see cref="BluBeesMetrics"/>: every DynamoDB, SQS and KMS call (by
/// operation and outcome; one per SDK call, on the client's <c>AfterResponseEvent</c> / <c>ExceptionEvent</c>) and
/// the DynamoDB capacity units each call consumed. The units are the service's own figure: every DynamoDB request
/// of the store is sent with <c>ReturnConsumedCapacity = TOTAL</c>. A conditional write that fails its condition
/// answers with an error that carries no capacity although DynamoDB bills it (1 WCU per KB of the item): it is
/// counted as a request with outcome <c>condition_failed</c>, and the cost table counts its unit from that.
/// </summary>
internal static class AwsRequestMeter
{
    public static T Attach<T>(T client, string service, BluBeesMetrics? metrics) where T : AmazonServiceClient
    {
        if (metrics is null)
        {
            return client;
        }

        client.AfterResponseEvent += (_, e) =>
        {
            if (e is WebServiceResponseEventArgs { Request: { } request, Response: { } response })
            {
                var operation = Operation(request);
                metrics.AwsRequest(service, operation, "ok");
                if (Units(response) is { } units)
                {
                    var isRead = operation is "GetItem" or "Query" or "Scan" or "BatchGetItem" or "TransactGetItems";
                    metrics.DynamoDbCapacity(operation, isRead ? units : 0, isRead ? 0 : units);
                }
            }
        };
        client.ExceptionEvent += (_, e) =>
        {
            if (e is WebServiceExceptionEventArgs { Request: { } request } failed)
            {
                var outcome = failed.Exception is ConditionalCheckFailedException ? "condition_failed" : "error";
                metrics.AwsRequest(service, Operation(request), outcome);
            }
        };
        return client;
    }

    private static double? Units(AmazonWebServiceResponse response) => response switch
    {
        PutItemResponse r => r.ConsumedCapacity?.CapacityUnits,
        UpdateItemResponse r => r.ConsumedCapacity?.CapacityUnits,
        DeleteItemResponse r => r.ConsumedCapacity?.CapacityUnits,
        GetItemResponse r => r.ConsumedCapacity?.CapacityUnits,
        QueryResponse r => r.ConsumedCapacity?.CapacityUnits,
        ScanResponse r => r.ConsumedCapacity?.CapacityUnits,
        BatchWriteItemResponse r => r.ConsumedCapacity?.Sum(c => c.CapacityUnits ?? 0),
        BatchGetItemResponse r => r.ConsumedCapacity?.Sum(c => c.CapacityUnits ?? 0),
        TransactWriteItemsResponse r => r.ConsumedCapacity?.Sum(c => c.CapacityUnits ?? 0),
        _ => null,
    };

    // "PutItemRequest" -> "PutItem": the SDK's request type names are the API's operation names.
    private static string Operation(AmazonWebServiceRequest request)
    {
        var name = request.GetType().Name;
        return name.EndsWith("Request", StringComparison.Ordinal) ? name[..^"Request".Length] : name;
    }
}
