namespace BluBees.Infra.Tests;

/// <summary>The DynamoDB data table (the key table beside it: <see cref="KeyTableTests"/>).</summary>
[TestFixture]
internal sealed class DataTableTests
{
    private static JsonObject Table => Template.Properties("DataTable");

    [Test]
    public void TheTablesAreTheDataTableAndTheKeyTable() =>
        Assert.That(Template.OfType("AWS::DynamoDB::Table"), Is.EquivalentTo(new[] { "DataTable", "KeyTable" }));

    [Test]
    public void KeysArePkAndSkStrings()
    {
        var attributes = Cfn.FlatList(Table["AttributeDefinitions"])
            .Select(a => $"{Cfn.Str(a?["AttributeName"])}:{Cfn.Str(a?["AttributeType"])}");
        var keys = Cfn.FlatList(Table["KeySchema"])
            .Select(k => $"{Cfn.Str(k?["AttributeName"])}:{Cfn.Str(k?["KeyType"])}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(attributes, Is.EquivalentTo(new[] { "pk:S", "sk:S" }));
            Assert.That(keys, Is.EqualTo(new[] { "pk:HASH", "sk:RANGE" }));
            Assert.That(Table.ContainsKey("GlobalSecondaryIndexes"), Is.False);
        }
    }

    [Test]
    public void BillingIsOnDemand() =>
        Assert.That(Cfn.Str(Table["BillingMode"]), Is.EqualTo("PAY_PER_REQUEST"));

    [Test]
    public void PointInTimeRecoveryIsOn() =>
        Assert.That(Cfn.Bool(Table["PointInTimeRecoverySpecification"]?["PointInTimeRecoveryEnabled"]), Is.True);

    [Test]
    public void EncryptedWithTheCustomerManagedKey()
    {
        var sse = Cfn.Obj(Table["SSESpecification"], "SSESpecification");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Bool(sse["SSEEnabled"]), Is.True);
            Assert.That(Cfn.Str(sse["SSEType"]), Is.EqualTo("KMS"));
            Assert.That(Cfn.IsGetAtt(sse["KMSMasterKeyId"], "DataKey", "Arn") || Cfn.IsRef(sse["KMSMasterKeyId"], "DataKey"),
                Is.True, Cfn.Show(sse["KMSMasterKeyId"]));
        }
    }

    [Test]
    public void TimeToLiveUsesTheTtlAttribute()
    {
        var ttl = Cfn.Obj(Table["TimeToLiveSpecification"], "TimeToLiveSpecification");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(ttl["AttributeName"]), Is.EqualTo("ttl"));
            Assert.That(Cfn.Bool(ttl["Enabled"]), Is.True);
        }
    }

    [Test]
    public void ProtectedFromDeletionAndReplacement()
    {
        var resource = Template.Resource("DataTable");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Bool(Table["DeletionProtectionEnabled"]), Is.True);
            Assert.That(Cfn.Str(resource["DeletionPolicy"]), Is.EqualTo("Retain"));
            Assert.That(Cfn.Str(resource["UpdateReplacePolicy"]), Is.EqualTo("Retain"));
        }
    }
}
