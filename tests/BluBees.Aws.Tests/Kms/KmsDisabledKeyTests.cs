using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;

namespace BluBees.Aws.Tests.Kms;

/// <summary>
/// The key-encryption key disabled in KMS (by an operator, or pending deletion) while the API serves: a tenant's first
/// secret needs GenerateDataKey, which KMS refuses with DisabledException (HTTP 400, not throttling). The keys are down,
/// not the request wrong: 503 ProblemDetails with Retry-After, without KMS's message (it names the key ARN), never a
/// 500 with an unhandled-exception log; once the key is enabled again the retry is saved.
/// </summary>
[TestFixture]
public sealed class KmsDisabledKeyTests : DynamoBackendFixture
{
    protected override bool UsesKms => true;

    [Test]
    public async Task A_disabled_KMS_key_on_an_admin_write_answers_503_with_Retry_After_and_the_retry_after_enabling_succeeds()
    {
        var tenant = Samples.NewTenant();
        Kms.DisableKey(KmsKeyArn);
        HttpResponseMessage response;
        try
        {
            response = await Api.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"));
        }
        finally
        {
            Kms.EnableKey(KmsKeyArn);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(503));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
                Assert.That(body, Does.Not.Contain(KmsKeyArn).And.Not.Contain("disabled"), "KMS's message is not echoed");
                Assert.That(Api.Logs.AllText, Does.Not.Contain("Unhandled"));
                Assert.That(Api.Logs.AllText, Does.Not.Contain(KmsKeyArn + " is disabled"), "nor logged");
            });
        }

        await Api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
    }
}
