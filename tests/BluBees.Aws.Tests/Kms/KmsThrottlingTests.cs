using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;

namespace BluBees.Aws.Tests.Kms;

/// <summary>
/// KMS throttling that outlasts the SDK's retries on an admin write (a tenant's first secret needs its data key,
/// GenerateDataKey): a 503 ProblemDetails with Retry-After, not a 500, and the retry succeeds.
/// </summary>
[TestFixture]
public sealed class KmsThrottlingTests : DynamoBackendFixture
{
    protected override bool UsesKms => true;

    [Test]
    public async Task A_throttled_KMS_on_an_admin_write_answers_503_with_Retry_After()
    {
        var tenant = Samples.NewTenant();
        Kms.Throttled = true;
        HttpResponseMessage response;
        try
        {
            response = await Api.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"));
        }
        finally
        {
            Kms.Throttled = false;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(503));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
                Assert.That(body, Does.Not.Contain("Rate exceeded"), "the service's message is not echoed");
            });
        }

        await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
    }

    /// <summary>
    /// KMS that stops answering: the SDK's default would wait 100 s per attempt, past the API function's 29 s timeout,
    /// and then answer 500. Each attempt is cut off after <c>Keys:KmsTimeoutMilliseconds</c>: 503 with Retry-After.
    /// </summary>
    [Test]
    public async Task An_unanswering_KMS_on_an_admin_write_answers_503_with_Retry_After()
    {
        var tenant = Samples.NewTenant();
        Kms.Unanswering = true;
        HttpResponseMessage response;
        try
        {
            response = await Api.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"));
        }
        finally
        {
            Kms.Unanswering = false;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
            });
        }

        await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
    }
}
