namespace BluBees.Infra.Tests;

/// <summary>The YAML reader maps CloudFormation's short-form tags to the long forms.</summary>
[TestFixture]
internal sealed class CloudFormationYamlTests
{
    [TestCase("!Ref Foo", """{"Ref":"Foo"}""")]
    [TestCase("!Condition IsProd", """{"Condition":"IsProd"}""")]
    [TestCase("!Sub 'arn:${AWS::Partition}:x'", """{"Fn::Sub":"arn:${AWS::Partition}:x"}""")]
    [TestCase("!Sub [\"${A}\", {A: !Ref B}]", """{"Fn::Sub":["${A}",{"A":{"Ref":"B"}}]}""")]
    [TestCase("!GetAtt Table.Arn", """{"Fn::GetAtt":["Table","Arn"]}""")]
    [TestCase("!GetAtt Db.Endpoint.Address", """{"Fn::GetAtt":["Db","Endpoint.Address"]}""")]
    [TestCase("!GetAtt [Table, Arn]", """{"Fn::GetAtt":["Table","Arn"]}""")]
    [TestCase("!Join [',', [a, b]]", """{"Fn::Join":[",",["a","b"]]}""")]
    [TestCase("!If [C, !Ref A, !Ref AWS::NoValue]", """{"Fn::If":["C",{"Ref":"A"},{"Ref":"AWS::NoValue"}]}""")]
    [TestCase("!Equals [!Ref P, '']", """{"Fn::Equals":[{"Ref":"P"},""]}""")]
    [TestCase("!Select [0, !GetAZs '']", """{"Fn::Select":[0,{"Fn::GetAZs":""}]}""")]
    [TestCase("!Split [',', a]", """{"Fn::Split":[",","a"]}""")]
    [TestCase("!FindInMap [M, K, V]", """{"Fn::FindInMap":["M","K","V"]}""")]
    [TestCase("!Not [!Condition C]", """{"Fn::Not":[{"Condition":"C"}]}""")]
    [TestCase("!And [!Condition A, !Condition B]", """{"Fn::And":[{"Condition":"A"},{"Condition":"B"}]}""")]
    [TestCase("!Or [!Condition A, !Condition B]", """{"Fn::Or":[{"Condition":"A"},{"Condition":"B"}]}""")]
    [TestCase("!ImportValue Shared", """{"Fn::ImportValue":"Shared"}""")]
    [TestCase("!Base64 text", """{"Fn::Base64":"text"}""")]
    [TestCase("!Cidr ['10.0.0.0/16', 4, 8]", """{"Fn::Cidr":["10.0.0.0/16",4,8]}""")]
    [TestCase("!GetAZs us-east-1", """{"Fn::GetAZs":"us-east-1"}""")]
    public void ShortFormTagBecomesLongForm(string yaml, string expectedJson)
    {
        var parsed = CloudFormationYaml.Parse($"Value: {yaml}");

        Assert.That(parsed?["Value"]?.ToJsonString(), Is.EqualTo(expectedJson));
    }

    [Test]
    public void ScalarsFollowTheCoreSchemaAndQuotedStaysString()
    {
        var parsed = CloudFormationYaml.Parse("""
            a: 29
            b: "29"
            c: true
            d: "false"
            "Null": x
            e: ~
            f: 2010-09-09
            """);

        Assert.That(parsed?.ToJsonString(), Is.EqualTo(
            """{"a":29,"b":"29","c":true,"d":"false","Null":"x","e":null,"f":"2010-09-09"}"""));
    }

    [Test]
    public void UnknownTagIsRejected() =>
        Assert.That(() => CloudFormationYaml.Parse("a: !Bogus x"), Throws.InstanceOf<InvalidDataException>());

    [Test]
    public void DuplicateKeyIsRejected() =>
        Assert.That(() => CloudFormationYaml.Parse("a: 1\na: 2"), Throws.InstanceOf<YamlDotNet.Core.YamlException>().Or.InstanceOf<ArgumentException>());

    [Test]
    public void TemplateIsFoundBesideTheSolutionAndIsASamTemplate()
    {
        Assert.That(RepositoryPaths.Template, Does.Exist);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(Template.Root["AWSTemplateFormatVersion"]), Is.EqualTo("2010-09-09"));
            Assert.That(Cfn.Str(Template.Root["Transform"]), Is.EqualTo("AWS::Serverless-2016-10-31"));
        }
    }
}
