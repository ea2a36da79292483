using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;

namespace BluBees.Aws.Tests.Dynalite;

/// <summary>
/// One backend on the DynamoDB store (a fresh dynalite table), a token issuer and a loopback third party, for a
/// fixture's tests; with <see cref="UsesKms"/>, its keys on the loopback KMS stand-in under one fresh key.
/// </summary>
public abstract class DynamoBackendFixture
{
    protected TestIssuer Issuer { get; private set; } = null!;
    protected ThirdPartyApi ThirdParty { get; private set; } = null!;
    protected DynamoDbTable Table { get; private set; } = null!;
    protected BackendHost Api { get; private set; } = null!;

    /// <summary>The KMS stand-in (null unless <see cref="UsesKms"/>).</summary>
    protected KmsFake Kms { get; private set; } = null!;

    /// <summary>The ARN of the key-encryption key the backend uses (null unless <see cref="UsesKms"/>).</summary>
    protected string KmsKeyArn { get; private set; } = null!;

    protected virtual bool UsesKms => false;

    /// <summary>Service registrations applied after the app's own (e.g. a store wrapper that holds writes); none by default.</summary>
    protected virtual Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Services => null;

    [OneTimeSetUp]
    public async Task StartBackendAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        ThirdParty = await ThirdPartyApi.StartAsync();
        Table = await DynamoDbTable.CreateAsync();
        var settings = Table.Settings();
        if (UsesKms)
        {
            Kms = await KmsFake.StartAsync();
            KmsKeyArn = Kms.CreateKey();
            settings["Keys:Provider"] = "Kms";
            settings["Keys:KmsKeyId"] = KmsKeyArn;
            settings["Keys:KmsServiceUrl"] = Kms.Address.ToString();
        }

        Api = await BackendHost.StartAsync(Issuer, settings, Services);
    }

    [OneTimeTearDown]
    public async Task StopBackendAsync()
    {
        await Api.DisposeAsync();
        Table.Dispose();
        if (Kms is not null)
        {
            await Kms.DisposeAsync();
        }

        await ThirdParty.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
