using System.Diagnostics;
using System.Text.Json.Nodes;

namespace BluBees.Infra.Tests;

/// <summary>
/// What <c>-p:BluBeesLambdaArtifact=true</c> (infra/build.sh) makes of the API project, read from MSBuild's own
/// evaluation of it: composite ReadyToRun, trimmed only where the assemblies declare themselves trimmable
/// (TrimMode partial: never our own), with reflection-based JSON kept on (our types are serialized by reflection) and
/// the reflective packages (Refit, the AWS SDK) kept whole. Start-up figures: docs/benchmarks.md, "Cold start".
/// </summary>
[TestFixture]
internal sealed class LambdaArtifactTests
{
    private static readonly string[] Properties =
        ["SelfContained", "PublishReadyToRun", "PublishReadyToRunComposite", "PublishTrimmed", "TrimMode", "JsonSerializerIsReflectionEnabledByDefault"];

    [Test]
    public async Task TheLambdaSwitchComposesCompositeReadyToRunOverATrimmedFramework()
    {
        var (lambda, keptWhole) = await EvaluateAsync("-p:BluBeesLambdaArtifact=true");
        var (plain, _) = await EvaluateAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lambda["SelfContained"], Is.EqualTo("true"));
            Assert.That(lambda["PublishReadyToRun"], Is.EqualTo("true"));
            Assert.That(lambda["PublishReadyToRunComposite"], Is.EqualTo("true"));
            Assert.That(lambda["PublishTrimmed"], Is.EqualTo("true"));
            Assert.That(lambda["TrimMode"], Is.EqualTo("partial"), "only assemblies that declare themselves trimmable");
            Assert.That(lambda["JsonSerializerIsReflectionEnabledByDefault"], Is.EqualTo("true"), "trimming turns it off by default");
            Assert.That(plain["PublishTrimmed"], Is.Not.EqualTo("true"), "control: the ordinary build is not trimmed");
            Assert.That(plain["PublishReadyToRunComposite"], Is.Not.EqualTo("true"), "control: nor composite");
            Assert.That(keptWhole, Is.SupersetOf(new[] { "Refit", "Refit.HttpClientFactory", "AWSSDK.Core", "AWSSDK.DynamoDBv2", "AWSSDK.KeyManagementService", "AWSSDK.SQS" }));
        }
    }

    [Test]
    public void TheReflectivePackagesAreKeptWholeByTheDocumentedExtensionPoint()
    {
        var project = File.ReadAllText(RepositoryPaths.File("src", "BluBees.Api", "BluBees.Api.csproj"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(project, Does.Contain("<Target Name=\"KeepReflectiveAssembliesWhole\" AfterTargets=\"PrepareForILLink\""));
            Assert.That(project, Does.Contain("Right=\"@(BluBeesKeepWhole)\""));
            Assert.That(project, Does.Contain("IsTrimmable=\"false\""));
        }
    }

    private static async Task<(Dictionary<string, string> Properties, string[] KeptWhole)> EvaluateAsync(params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("msbuild");
        info.ArgumentList.Add(RepositoryPaths.File("src", "BluBees.Api", "BluBees.Api.csproj"));
        info.ArgumentList.Add("-nologo");
        info.ArgumentList.Add("-p:RuntimeIdentifier=linux-arm64");
        foreach (var property in Properties)
        {
            info.ArgumentList.Add("-getProperty:" + property);
        }

        info.ArgumentList.Add("-getItem:BluBeesKeepWhole");
        foreach (var argument in extra)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero, await error + await output);
        var result = JsonNode.Parse(await output)!;
        var properties = result["Properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty);
        var keptWhole = result["Items"]?["BluBeesKeepWhole"]?.AsArray().Select(i => i!["Identity"]!.GetValue<string>()).ToArray() ?? [];
        return (properties, keptWhole);
    }
}
