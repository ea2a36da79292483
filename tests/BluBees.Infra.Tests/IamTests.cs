namespace BluBees.Infra.Tests;

/// <summary>Least privilege across every policy statement in the template.</summary>
[TestFixture]
internal sealed class IamTests
{
    private static readonly string[] Roles = ["ApiRole", "WorkerRole"];

    private static readonly string[] TableDataPlane =
    [
        "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    ];

    private static IReadOnlyList<PolicyStatement> All => PolicyStatements.All();

    /// <summary>Statements of the identity policies attached to a role.</summary>
    private static IEnumerable<PolicyStatement> StatementsOf(string role)
    {
        var policies = Template.OfType("AWS::IAM::Policy")
            .Where(p => Cfn.FlatList(Template.Properties(p)["Roles"]).Any(r => Cfn.IsRef(r, role)))
            .ToHashSet();
        return All.Where(s => policies.Contains(s.ResourceId) || (s.ResourceId == role && !s.IsTrustPolicy));
    }

    private static IEnumerable<string> ActionsOn(string role, string service) =>
        StatementsOf(role).Where(s => s.IsAllow).SelectMany(s => s.Actions)
            .Where(a => a.StartsWith(service + ":", StringComparison.Ordinal));

    [Test]
    public void TheTemplateHasPolicyStatementsToCheck() =>
        Assert.That(All.Count, Is.GreaterThan(10), "the walker must find the key policy, trust and role policies");

    [Test]
    public void NoActionContainsAWildcardAnywhere()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in All)
            {
                Assert.That(s.Actions, Is.Not.Empty, s.Where);
                Assert.That(s.Actions, Has.All.Match("^[a-z0-9-]+:[A-Za-z0-9]+$"), $"{s.Where}: one literal action per entry, no wildcard");
            }
        }
    }

    [Test]
    public void NoNegatedElements()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in All)
            {
                Assert.That(s.Body.Select(p => p.Key), Has.None.StartsWith("Not"), s.Where);
            }
        }
    }

    [Test]
    public void NoPrincipalIsAWildcard()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in All.Where(s => s.Body.ContainsKey("Principal")))
            {
                Assert.That(Cfn.Str(s.Body["Principal"]), Is.Not.EqualTo("*"), s.Where);
                Assert.That(s.AwsPrincipals.Select(Cfn.Str), Has.None.EqualTo("*"), s.Where);
            }
        }
    }

    [Test]
    public void KeyPolicyResourceIsAlwaysTheKeyItself()
    {
        // In a key policy "Resource": "*" means "this key": the one place a bare * is right.
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in All.Where(s => s.IsKeyPolicy))
            {
                Assert.That(s.Resources.Select(Cfn.Str), Is.EqualTo(new[] { "*" }), s.Where);
            }
        }
    }

    [Test]
    public void NoOtherStatementUsesAWildcardResource()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in All.Where(s => !s.IsKeyPolicy && !s.IsTrustPolicy))
            {
                Assert.That(s.Resources, Is.Not.Empty, s.Where);
                Assert.That(s.Resources.Select(Cfn.Str), Has.All.Null, $"{s.Where}: resources are stack references, never literals such as *");
            }
        }
    }

    [Test]
    public void IdentityPolicyResourcesAreThisStacksResources()
    {
        bool Scoped(JsonNode? resource)
        {
            if (Cfn.GetAtt(resource) is var (id, _))
            {
                return Template.Resources.ContainsKey(id);
            }

            if (Cfn.RefTarget(resource) is { } target)
            {
                return Template.Resources.ContainsKey(target);
            }

            // A constructed ARN: this account, and a name from this stack's parameters; no wildcard.
            return Cfn.SubTemplate(resource) is { } arn
                && arn.Contains("${AWS::AccountId}", StringComparison.Ordinal)
                && arn.Contains("${AWS::Region}", StringComparison.Ordinal)
                && (arn.Contains("${Stage}", StringComparison.Ordinal) || arn.Contains("${TableNameOverride}", StringComparison.Ordinal))
                && !arn.Replace("${Stage}/*", "", StringComparison.Ordinal).Contains('*', StringComparison.Ordinal);
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var s in All.Where(s => !s.IsKeyPolicy && !s.IsTrustPolicy))
            {
                foreach (var resource in s.Resources)
                {
                    Assert.That(Scoped(resource), Is.True, $"{s.Where}: {Cfn.Show(resource)}");
                }
            }
        }
    }

    [Test]
    public void EveryDecryptIsConditionedOnTheEncryptionContext()
    {
        var decrypts = All.Where(s => s.IsAllow && s.Actions.Contains("kms:Decrypt")).ToList();
        Assert.That(decrypts, Is.Not.Empty);
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in decrypts)
            {
                Assert.That(s.ConditionKeys, Has.Some.StartsWith("kms:EncryptionContext"), s.Where);
            }
        }
    }

    [Test]
    public void TrustPoliciesOnlyLetLambdaAssumeTheRoles()
    {
        var trust = All.Where(s => s.IsTrustPolicy).ToList();
        Assert.That(trust.Select(s => s.ResourceId).Distinct(), Is.EquivalentTo(Roles));
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in trust)
            {
                Assert.That(s.Actions, Is.EqualTo(new[] { "sts:AssumeRole" }), s.Where);
                Assert.That(s.ServicePrincipals, Is.EqualTo(new[] { "lambda.amazonaws.com" }), s.Where);
                Assert.That(s.AwsPrincipals, Is.Empty, s.Where);
            }
        }
    }

    [Test]
    public void FunctionsUseTheirOwnExplicitRolesWithoutSamPolicyTemplates()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Template.OfType("AWS::IAM::Role"), Is.EquivalentTo(Roles));
            Assert.That(Template.OfType("AWS::IAM::ManagedPolicy"), Is.Empty);
            Assert.That(Cfn.IsGetAtt(Template.EffectiveFunction(Functions.Api)["Role"], "ApiRole", "Arn"), Is.True);
            Assert.That(Cfn.IsGetAtt(Template.EffectiveFunction(Functions.Worker)["Role"], "WorkerRole", "Arn"), Is.True);
            foreach (var fn in Functions.All)
            {
                Assert.That(Template.EffectiveFunction(fn).ContainsKey("Policies"), Is.False, $"{fn}: SAM policy templates carry wildcards");
            }

            foreach (var role in Roles)
            {
                Assert.That(Template.Properties(role).ContainsKey("ManagedPolicyArns"), Is.False, role);
                Assert.That(Template.Properties(role).ContainsKey("PermissionsBoundary"), Is.False, role);
            }
        }
    }

    [TestCase(Functions.Api, "ApiRolePolicy")]
    [TestCase(Functions.Worker, "WorkerRolePolicy")]
    public void FunctionIsCreatedAfterItsPolicy(string fn, string policy) =>
        // The SQS event source mapping checks the role's permissions when it is created.
        Assert.That(Cfn.FlatList(Template.Resource(fn)["DependsOn"]).Select(Cfn.Str), Does.Contain(policy));

    [Test]
    public void ApiMayOnlySendRuns()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ActionsOn("ApiRole", "sqs"), Is.EquivalentTo(new[] { "sqs:SendMessage" }));
            var send = StatementsOf("ApiRole").Single(s => s.Actions.Contains("sqs:SendMessage"));
            Assert.That(send.Resources.Select(r => Cfn.GetAtt(r)), Is.EqualTo(new (string, string)?[] { ("RunQueue", "Arn") }));
        }
    }

    [Test]
    public void WorkerMayOnlyConsumeRuns()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ActionsOn("WorkerRole", "sqs"), Is.EquivalentTo(new[]
            {
                "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility",
            }));
            foreach (var s in StatementsOf("WorkerRole").Where(s => s.Actions.Any(a => a.StartsWith("sqs:", StringComparison.Ordinal))))
            {
                Assert.That(s.Resources.Select(r => Cfn.GetAtt(r)), Is.EqualTo(new (string, string)?[] { ("RunQueue", "Arn") }), s.Where);
            }
        }
    }

    [TestCaseSource(nameof(Roles))]
    public void TableAccessIsDataPlaneOnTheTable(string role)
    {
        using (Assert.EnterMultipleScope())
        {
            // Distinct: the data table's and the key table's statements both grant GetItem, Query, PutItem and DeleteItem.
            Assert.That(ActionsOn(role, "dynamodb").Distinct(), Is.Not.Empty.And.SubsetOf(TableDataPlane), "no table management, no scans, no streams");
            foreach (var s in StatementsOf(role).Where(s => s.Actions.Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal))))
            {
                var resources = s.Resources.Select(r => Cfn.GetAtt(r)).ToList();
                if (resources.Contains(("KeyTable", "Arn")))
                {
                    // The key table's statement names it alone, with what its shares need: no update, no batch.
                    Assert.That(resources, Is.EqualTo(new (string, string)?[] { ("KeyTable", "Arn") }), s.Where);
                    Assert.That(s.Actions, Is.EquivalentTo(new[] { "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem" }), s.Where);
                }
                else
                {
                    Assert.That(resources, Has.Some.EqualTo(("DataTable", "Arn")), s.Where);
                }
            }
        }
    }

    [TestCase("ApiRole", "ApiLogGroup")]
    [TestCase("WorkerRole", "WorkerLogGroup")]
    public void LogsOnlyIntoItsOwnGroup(string role, string group)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ActionsOn(role, "logs"), Is.EquivalentTo(new[] { "logs:CreateLogStream", "logs:PutLogEvents" }));
            foreach (var s in StatementsOf(role).Where(s => s.Actions.Any(a => a.StartsWith("logs:", StringComparison.Ordinal))))
            {
                Assert.That(s.Resources.Select(r => Cfn.GetAtt(r)), Is.EqualTo(new (string, string)?[] { (group, "Arn") }), s.Where);
            }
        }
    }

    [TestCaseSource(nameof(Roles))]
    public void RolesReachOnlyTheServicesTheAppUses(string role)
    {
        var services = StatementsOf(role).SelectMany(s => s.Actions).Select(a => a.Split(':')[0]).Distinct();
        Assert.That(services, Is.SubsetOf(new[] { "logs", "dynamodb", "sqs", "ssm" }));
    }

    [Test]
    public void ParameterStoreReadsAreLimitedToTheStagePath()
    {
        // Guard for when an app secret moves to Parameter Store: /blubees/<Stage>/... only.
        foreach (var s in All.Where(s => s.Actions.Any(a => a.StartsWith("ssm:", StringComparison.Ordinal))))
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(s.Actions, Is.SubsetOf(new[] { "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath" }), s.Where);
                Assert.That(s.Resources.Select(Cfn.SubTemplate), Has.All.Contains(":parameter/blubees/${Stage}/"), s.Where);
            }
        }
    }
}
