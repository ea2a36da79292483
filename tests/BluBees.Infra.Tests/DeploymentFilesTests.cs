namespace BluBees.Infra.Tests;

/// <summary>The files beside the template that build, start, lint and document the deployment.</summary>
[TestFixture]
internal sealed class DeploymentFilesTests
{
    private static string Read(params string[] path) => File.ReadAllText(RepositoryPaths.File(path));

    [TestCase("infra", "lambda", "run.sh")]
    [TestCase("infra", "build.sh")]
    [TestCase("infra", "lint.sh")]
    public void ScriptsUseUnixLineEndingsAndAShebang(params string[] path)
    {
        var text = Read(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.StartWith("#!/"));
            Assert.That(text, Does.Not.Contain("\r"), "CRLF breaks /bin/sh on Lambda");
        }
    }

    [Test]
    public void StartScriptExecsTheAppFromTheTaskRoot()
    {
        var run = Read("infra", "lambda", "run.sh");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run, Does.StartWith("#!/bin/sh\n"));
            Assert.That(run, Does.Contain("LAMBDA_TASK_ROOT"));
            Assert.That(run, Does.Match(@"(?m)^exec \./BluBees\.Api\b"), "exec keeps the app as the runtime process");
        }
    }

    [Test]
    public void BuildScriptProducesWhatTheTemplateDeploys()
    {
        var build = Read("infra", "build.sh");
        var codeUri = Cfn.Str(Template.EffectiveFunction(Functions.Api)["CodeUri"])?.TrimEnd('/');
        using (Assert.EnterMultipleScope())
        {
            Assert.That(build, Does.Contain("dotnet publish \"$root/src/BluBees.Api/BluBees.Api.csproj\""));
            Assert.That(build, Does.Contain("BLUBEES_LAMBDA_RID:-linux-arm64"), "matches Architectures: arm64 by default");
            Assert.That(build, Does.Contain("-p:BluBeesLambdaArtifact=\"${BLUBEES_LAMBDA_COMPOSITE:-true}\""), "composite ReadyToRun over a trimmed framework");
            Assert.That(build, Does.Contain("--self-contained"), "provided.al2023 has no .NET runtime");
            Assert.That(build, Does.Contain("-p:PublishReadyToRun=true"));
            Assert.That(build, Does.Not.Contain("PublishAot"));
            Assert.That(build, Does.Contain($"$root/{codeUri}"), "default output is the template's CodeUri");
            Assert.That(build, Does.Contain("infra/lambda/run.sh\" \"$out/bootstrap\""), "the start script becomes the runtime bootstrap");
        }
    }

    [Test]
    public void LintScriptRunsCfnLintOnTheTemplate()
    {
        var lint = Read("infra", "lint.sh");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lint, Does.Contain("cfn-lint"));
            Assert.That(lint, Does.Contain("template.yaml"));
            Assert.That(lint, Does.Contain("set -euo pipefail"));
        }
    }

    [TestCase("infra/build.sh")]
    [TestCase("sam deploy")]
    [TestCase("update-alias")]
    [TestCase("restore-table-to-point-in-time")]
    [TestCase("TableNameOverride")]
    [TestCase("blubees keys rotate")]
    [TestCase("baseUrl")]
    [TestCase("ReadyToRun")]
    [TestCase("Native AOT")]
    [TestCase("provided.al2023")]
    [TestCase("kms:*")]
    public void RunbookCovers(string topic) =>
        Assert.That(Read("infra", "README.md"), Does.Contain(topic));
}
