namespace BluBees.Infra.Tests;

/// <summary>
/// The key table (docs/security.md, "Crypto-shredding"): the key shares that the wrapped data keys and the sealed
/// secrets in the data table need. Deleting a share must be final, so the table has no point-in-time recovery and no
/// backup, while the data table keeps its 35 days of PITR.
/// </summary>
[TestFixture]
internal sealed class KeyTableTests
{
    private static readonly string[] BothFunctions = [Functions.Api, Functions.Worker];
    private static readonly string[] Roles = ["ApiRole", "WorkerRole"];

    private static JsonObject Table => Template.Properties("KeyTable");

    [Test]
    public void PointInTimeRecoveryIsExplicitlyOff() =>
        Assert.That(Cfn.Bool(Table["PointInTimeRecoverySpecification"]?["PointInTimeRecoveryEnabled"]), Is.False,
            "a restore of the key table would bring back the shares of deleted secrets and uninstalled tenants");

    [Test]
    public void NothingBacksItUp()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Template.Resources.Select(r => Template.TypeOf(r.Key)), Has.None.StartsWith("AWS::Backup::"), "no AWS Backup plan or selection");
            Assert.That(Template.OfType("AWS::DynamoDB::GlobalTable"), Is.Empty, "no replica that keeps its own copy");
            Assert.That(Table.ContainsKey("StreamSpecification"), Is.False, "no stream keeping deleted items' images");
        }
    }

    [Test]
    public void KeysArePkAndSkStringsOnDemandEncryptedAndProtected()
    {
        var attributes = Cfn.FlatList(Table["AttributeDefinitions"]).Select(a => $"{Cfn.Str(a?["AttributeName"])}:{Cfn.Str(a?["AttributeType"])}");
        var keys = Cfn.FlatList(Table["KeySchema"]).Select(k => $"{Cfn.Str(k?["AttributeName"])}:{Cfn.Str(k?["KeyType"])}");
        var resource = Template.Resource("KeyTable");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(attributes, Is.EquivalentTo(new[] { "pk:S", "sk:S" }));
            Assert.That(keys, Is.EqualTo(new[] { "pk:HASH", "sk:RANGE" }));
            Assert.That(Cfn.Str(Table["BillingMode"]), Is.EqualTo("PAY_PER_REQUEST"));
            Assert.That(Cfn.IsGetAtt(Table["SSESpecification"]?["KMSMasterKeyId"], "DataKey", "Arn"), Is.True);
            Assert.That(Cfn.Bool(Table["DeletionProtectionEnabled"]), Is.True, "deleting the table would lock every tenant out of its secrets");
            Assert.That(Cfn.Str(resource["DeletionPolicy"]), Is.EqualTo("Retain"));
            Assert.That(Cfn.Str(resource["UpdateReplacePolicy"]), Is.EqualTo("Retain"));
            Assert.That(Cfn.SubTemplate(Table["TableName"]), Is.EqualTo("blubees-${Stage}-keys"));
        }
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void BothFunctionsUseTheStackKeyTableEvenWhenARestoredDataTableIsActive(string fn) =>
        Assert.That(Cfn.IsRef(Template.Environment(fn)["Keys__KeyTableName"], "KeyTable"), Is.True, Cfn.Show(Template.Environment(fn)["Keys__KeyTableName"]));

    [TestCaseSource(nameof(Roles))]
    public void EachRoleMayReadWriteAndDeleteSharesOfTheKeyTable(string role)
    {
        var policies = Template.OfType("AWS::IAM::Policy")
            .Where(p => Cfn.FlatList(Template.Properties(p)["Roles"]).Any(r => Cfn.IsRef(r, role)))
            .ToHashSet();
        var onKeyTable = PolicyStatements.All()
            .Where(s => policies.Contains(s.ResourceId) && s.IsAllow && s.Resources.Any(r => Cfn.IsGetAtt(r, "KeyTable", "Arn")))
            .SelectMany(s => s.Actions);
        Assert.That(onKeyTable, Is.EquivalentTo(new[] { "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem" }));
    }

    [Test]
    public void TheKeyPolicyLetsDynamoDbEncryptTheKeyTableAtRest()
    {
        var tables = PolicyStatements.All().Where(s => s.IsKeyPolicy)
            .Select(s => s.Condition("StringEquals", "kms:EncryptionContext:aws:dynamodb:tableName"))
            .Where(c => c is not null)
            .SelectMany(c => Cfn.FlatList(c).Select(Cfn.SubTemplate));
        Assert.That(tables, Does.Contain("blubees-${Stage}-keys"));
    }
}
