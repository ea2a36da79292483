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
public sealed class KmsDisabledKeyTests
{
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;
    private string _keyArn = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _table = await DynamoDbTable.CreateAsync();
        var settings = _table.Settings();
        _keyArn = _kms.CreateKey();
        settings["Keys:Provider"] = "Kms";
        settings["Keys:KmsKeyId"] = _keyArn;
        settings["Keys:KmsServiceUrl"] = _kms.Address.ToString();
        _api = await BackendHost.StartAsync(_issuer, settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        _table.Dispose();
        await _kms.DisposeAsync();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_disabled_KMS_key_on_an_admin_write_answers_503_with_Retry_After_and_the_retry_after_enabling_succeeds()
    {
        var tenant = Samples.NewTenant();
        _kms.DisableKey(_keyArn);
        HttpResponseMessage response;
        try
        {
            response = await _api.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"));
        }
        finally
        {
            _kms.EnableKey(_keyArn);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(503));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
                Assert.That(body, Does.Not.Contain(_keyArn).And.Not.Contain("disabled"), "KMS's message is not echoed");
                Assert.That(_api.Logs.AllText, Does.Not.Contain("Unhandled"));
                Assert.That(_api.Logs.AllText, Does.Not.Contain(_keyArn + " is disabled"), "nor logged");
            });
        }

        await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
    }
}
