using System.Text.RegularExpressions;

namespace BluBees.Infra.Tests;

/// <summary>Parameters, outputs, and that every reference in the template resolves.</summary>
[TestFixture]
internal sealed partial class ParametersAndOutputsTests
{
    private static readonly string[] RequiredParameters =
    [
        "Stage", "ForgeAppId", "ForgeEnvironmentType", "AlarmEmail", "LambdaAdapterLayerArn", "RunsRetentionDays", "MaxReceiveCount",
        "SupportIssuer", "SupportJwksUrl", "SupportAudience",
    ];

    private static readonly string[] PseudoParameters =
    [
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
        "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    ];

    [TestCaseSource(nameof(RequiredParameters))]
    public void ParameterIsDeclared(string name) =>
        Assert.That(Template.Parameters.ContainsKey(name), Is.True);

    [Test]
    public void DefaultsMatchTheAgreedValues()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Long(Template.Parameters["RunsRetentionDays"]?["Default"]), Is.EqualTo(30));
            Assert.That(Cfn.Long(Template.Parameters["MaxReceiveCount"]?["Default"]), Is.EqualTo(5));
            Assert.That(Template.Parameters["ForgeAppId"]?["Default"], Is.Null, "the app id must be chosen, never defaulted");
            Assert.That(Cfn.Str(Template.Parameters["ForgeEnvironmentType"]?["Default"]), Is.EqualTo("PRODUCTION"), "a stack accepts only production installations unless told otherwise");
            Assert.That(Template.Parameters["AlarmEmail"]?["Default"], Is.Null);
        }
    }

    [Test]
    public void ForgeAppIdMustBeAnAppAri()
    {
        var pattern = new Regex(Cfn.Str(Template.Parameters["ForgeAppId"]?["AllowedPattern"]) ?? "^$");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pattern.IsMatch("ari:cloud:ecosystem::app/5b7a0a4e-9e3b-4b1a-9f0e-3f2f0c0d1e2a"), Is.True);
            Assert.That(pattern.IsMatch("5b7a0a4e-9e3b-4b1a-9f0e-3f2f0c0d1e2a"), Is.False);
        }
    }

    [Test]
    public void OutputsGiveTheForgeBaseUrlTableQueueAndKey()
    {
        var outputs = Template.Outputs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.SubTemplate(outputs["ApiUrl"]?["Value"]),
                Is.EqualTo("https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"), "the Forge remote baseUrl, no trailing slash or stage");
            Assert.That(Cfn.IsRef(outputs["TableName"]?["Value"], "DataTable"), Is.True);
            Assert.That(Cfn.IsRef(outputs["QueueUrl"]?["Value"], "RunQueue"), Is.True);
            Assert.That(Cfn.IsGetAtt(outputs["KeyArn"]?["Value"], "DataKey", "Arn"), Is.True);
        }
    }

    [Test]
    public void EveryReferenceResolves()
    {
        var parameters = Template.Parameters.Select(p => p.Key).ToHashSet();
        var resources = Template.Resources.Select(r => r.Key).ToHashSet();
        var conditions = (Template.Root["Conditions"] as JsonObject ?? []).Select(c => c.Key).ToHashSet();
        var problems = new List<string>();

        void Check(JsonNode? node, string path)
        {
            switch (Cfn.Intrinsic(node))
            {
                case ("Ref", var arg) when Cfn.Str(arg) is { } target
                    && !parameters.Contains(target) && !resources.Contains(target) && !PseudoParameters.Contains(target):
                    problems.Add($"{path}: Ref {target}");
                    break;
                case ("Fn::GetAtt", _) when Cfn.GetAtt(node) is var (resource, _) && !resources.Contains(resource):
                    problems.Add($"{path}: GetAtt {resource}");
                    break;
                case ("Fn::If", JsonArray { Count: > 0 } a) when Cfn.Str(a[0]) is { } cond && !conditions.Contains(cond):
                    problems.Add($"{path}: If {cond}");
                    break;
                case ("Fn::Sub", var arg) when Cfn.SubTemplate(node) is { } sub:
                    var locals = (arg as JsonArray)?.ElementAtOrDefault(1) as JsonObject ?? [];
                    foreach (Match m in SubVariable().Matches(sub))
                    {
                        var name = m.Groups[1].Value;
                        var head = name.Split('.')[0];
                        if (!parameters.Contains(name) && !resources.Contains(head) && !PseudoParameters.Contains(name)
                            && !locals.ContainsKey(name))
                        {
                            problems.Add($"{path}: Sub ${{{name}}}");
                        }
                    }

                    break;
            }

            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, child) in o)
                    {
                        Check(child, $"{path}.{key}");
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        Check(a[i], $"{path}[{i}]");
                    }

                    break;
            }
        }

        Check(Template.Root, "");
        Assert.That(problems, Is.Empty);
    }

    [TestCase("staging")]
    [TestCase("prod")]
    public void SamConfigEnvironmentSetsEveryParameterWithoutADefault(string environment)
    {
        var config = File.ReadAllText(RepositoryPaths.File("infra", "samconfig.toml"));
        var section = Regex.Match(config, $@"\[{environment}\.deploy\.parameters\](?<body>[^\[]*)");
        Assert.That(section.Success, Is.True, $"[{environment}.deploy.parameters]");
        var body = section.Groups["body"].Value;
        var overrides = Regex.Match(body, "parameter_overrides\\s*=\\s*\"(?<v>[^\"]*)\"").Groups["v"].Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
        var region = Regex.Match(body, "region\\s*=\\s*\"(?<r>[^\"]+)\"").Groups["r"].Value;

        var withoutDefault = Template.Parameters.Where(p => p.Value?["Default"] is null).Select(p => p.Key);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(overrides.Keys, Is.SubsetOf(Template.Parameters.Select(p => p.Key)), "no unknown parameter");
            Assert.That(overrides.Keys, Is.SupersetOf(withoutDefault));
            Assert.That(overrides.GetValueOrDefault("Stage"), Is.EqualTo(environment));
            Assert.That(overrides.GetValueOrDefault("LambdaAdapterLayerArn"),
                Does.StartWith($"arn:aws:lambda:{region}:").And.Contain(":layer:LambdaAdapterLayerArm64:"),
                "the arm64 adapter layer of the stack's own region");
            Assert.That(body, Does.Contain("CAPABILITY_IAM").And.Not.Contain("CAPABILITY_NAMED_IAM"));
        }
    }

    [GeneratedRegex(@"\$\{(?!!)([^}]+)\}")]
    private static partial Regex SubVariable();
}
