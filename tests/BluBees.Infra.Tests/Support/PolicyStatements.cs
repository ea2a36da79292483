namespace BluBees.Infra.Tests.Support;

/// <summary>One statement of any policy document in the template, with where it came from.</summary>
internal sealed record PolicyStatement(string ResourceId, string ResourceType, string Path, JsonObject Body)
{
    public bool IsKeyPolicy => ResourceType == "AWS::KMS::Key" && Path.StartsWith("KeyPolicy", StringComparison.Ordinal);

    public bool IsTrustPolicy => Path.StartsWith("AssumeRolePolicyDocument", StringComparison.Ordinal);

    public string Sid => Cfn.Str(Body[nameof(Sid)]) ?? "(no Sid)";

    public string Where => $"{ResourceId}.{Path} [{Sid}]";

    public bool IsAllow => Cfn.Str(Body["Effect"]) == "Allow";

    /// <summary>Actions as literal strings; a non-literal action is returned as its JSON.</summary>
    public IReadOnlyList<string> Actions =>
        [.. Cfn.FlatList(Body["Action"]).Select(a => Cfn.Str(a) ?? Cfn.Show(a))];

    public IReadOnlyList<JsonNode?> Resources => Cfn.FlatList(Body["Resource"]);

    public JsonObject Conditions => Body["Condition"] as JsonObject ?? [];

    /// <summary>Every condition key used, whatever the operator (e.g. "kms:ViaService").</summary>
    public IEnumerable<string> ConditionKeys =>
        Conditions.SelectMany(op => op.Value is JsonObject keys ? keys.Select(k => k.Key) : []);

    public JsonNode? Condition(string @operator, string key) => Conditions[@operator]?[key];

    /// <summary>AWS principals (ARNs or intrinsics), Fn::If expanded.</summary>
    public IReadOnlyList<JsonNode?> AwsPrincipals => Body["Principal"] switch
    {
        JsonObject p => Cfn.FlatList(p["AWS"]),
        var other => Cfn.FlatList(other),
    };

    public IReadOnlyList<string> ServicePrincipals => Body["Principal"] is JsonObject p
        ? [.. Cfn.FlatList(p["Service"]).Select(s => Cfn.Str(s) ?? Cfn.SubTemplate(s) ?? Cfn.Show(s))]
        : [];
}

/// <summary>Walks every policy document (identity, trust, key, resource policies) in the template.</summary>
internal static class PolicyStatements
{
    public static IReadOnlyList<PolicyStatement> All()
    {
        var found = new List<PolicyStatement>();
        foreach (var (id, resource) in Template.Resources)
        {
            var type = Cfn.Str(resource?["Type"]) ?? "";
            if (resource?["Properties"] is JsonObject props)
            {
                Walk(id, type, "", props, found);
            }
        }

        return found;
    }

    private static void Walk(string id, string type, string path, JsonNode? node, List<PolicyStatement> found)
    {
        switch (node)
        {
            case JsonObject obj when obj.ContainsKey("Statement"):
                var i = 0;
                foreach (var statement in Cfn.FlatList(obj["Statement"]))
                {
                    found.Add(new PolicyStatement(id, type, $"{path}.Statement[{i++}]".TrimStart('.'),
                        Cfn.Obj(statement, $"{id}.{path}.Statement")));
                }

                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    Walk(id, type, $"{path}.{key}".TrimStart('.'), child, found);
                }

                break;
            case JsonArray array:
                for (var j = 0; j < array.Count; j++)
                {
                    Walk(id, type, $"{path}[{j}]", array[j], found);
                }

                break;
        }
    }
}
