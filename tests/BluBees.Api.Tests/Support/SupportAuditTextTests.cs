using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// The tenant admin reads what support staff sent (route and filters) in the audit: it is recorded as given, but
/// control and text-direction characters cannot make it read as something else, and a cut never splits a character.
/// </summary>
public sealed class SupportAuditTextTests : SupportFixture
{
    private const string Override = "\u202E";

    [Test]
    public async Task Control_and_text_direction_characters_in_route_and_filters_are_neutralized_in_the_audit()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var status = Uri.EscapeDataString(Override + "deliaf\nx");
        var ruleId = Uri.EscapeDataString(new string('r', 199) + "\U0001F600");
        using (var filters = await SupportGetAsync(RunsPath(tenant, $"?status={status}&ruleId={ruleId}")))
        {
            await ProblemAsync(filters, HttpStatusCode.BadRequest);
        }

        using (var run = await SupportGetAsync(RunsPath(tenant, "/" + Uri.EscapeDataString(Override + "gnp.1700000000000"))))
        {
            await ProblemAsync(run, HttpStatusCode.NotFound);
        }

        var audit = await AuditAsync(tenant);
        var shown = audit.Select(e => e!["route"]!.GetValue<string>())
            .Concat(audit.SelectMany(e => e!["query"]!.AsObject().Select(p => p.Value!.GetValue<string>())))
            .ToList();
        Assert.That(shown, Has.Count.EqualTo(4));
        Assert.That(shown, Has.None.Contain(Override).And.None.Contain("\n"));
        Assert.That(shown, Has.Some.EqualTo("\uFFFDdeliaf\uFFFDx"), "the rest is kept as given");
        Assert.That(shown, Has.Some.EqualTo(new string('r', 199)), "a 200-character cut does not leave half a character");
    }

    [Test]
    public async Task Control_and_text_direction_characters_in_the_tokens_subject_and_email_are_neutralized_in_the_audit()
    {
        // sub and email come from the identity provider, where an e-mail address is often editable by its owner: an
        // engineer must not be able to make the tenant's audit name someone else (reversed text, a fake second line).
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var token = Idp.Mint(c =>
        {
            c["sub"] = "staff-7" + Override + "\n";
            c["email"] = "moc.tset.seebulb@ana" + Override + "\r\nactor: ceo";
        });
        using (var read = await SupportGetAsync(RunsPath(tenant), token))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var entry = (await AuditAsync(tenant)).Single()!;
        var actor = entry["actor"]!.GetValue<string>();
        var email = entry["actorEmail"]!.GetValue<string>();
        Assert.That(new[] { actor, email }, Has.None.Contain(Override).And.None.Contain("\n").And.None.Contain("\r"));
        Assert.That(actor, Is.EqualTo("staff-7\uFFFD\uFFFD"), "the rest is kept as given");
        Assert.That(email, Is.EqualTo("moc.tset.seebulb@ana\uFFFD\uFFFD\uFFFDactor: ceo"));
    }
}
