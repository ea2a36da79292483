using BluBees.Aws.Tests.Dynalite;

namespace BluBees.Aws.Tests;

/// <summary>Runs once after every test of the BluBees.Aws.Tests namespaces: stops the private dynalite, if any.</summary>
[SetUpFixture]
public sealed class DynaliteSetUp
{
    [OneTimeTearDown]
    public void StopDynalite() => DynaliteServer.Stop();
}
