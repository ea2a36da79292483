using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The same table, with each route's own caller's valid token presented the wrong way, and with the user token of
/// someone else: a token sent twice (two <c>Authorization</c> fields, or two tokens in one), under another scheme
/// (<c>Basic</c>, <c>Token</c>, none), glued to the scheme, only in another header (<c>x-forge-oauth-system</c>,
/// <c>x-forge-oauth-user</c>) or the query (<c>access_token</c>), is a 401 ProblemDetails (RFC 6750 §2: one bearer
/// token, in the Authorization header); a UI route called with one user's FIT and another user's
/// <c>x-forge-oauth-user</c> (either way round between an administrator and a plain user) is a 403, and <c>/api/me</c>
/// then says <c>isAdmin: false</c>. None of these changes anything stored.
/// </summary>
public sealed partial class EveryRouteCallerTests
{
    [Test]
    public async Task Every_route_refuses_its_own_callers_token_presented_wrongly_or_beside_another_users_token()
    {
        var before = await TenantRowsAsync();
        var wrong = new List<string>();
        var checkedRoutes = 0;
        foreach (var (key, method, pattern) in Routes())
        {
            var caller = Classify(key)!.Value;
            if (caller == Caller.Public)
            {
                continue;
            }

            checkedRoutes++;
            var path = Path(pattern);
            var body = method is "GET" or "DELETE" ? null : key == "POST /api/rules/{id}/run" ? """{"issueKey":"OPS-1"}""" : "{}";
            var own = caller switch
            {
                Caller.Support => Idp.Mint(),
                Caller.Backend => Forge.Mint(TestIssuer.For(_tenant, null, BackendModules[key][0])),
                _ => Forge.Mint(_tenant, "557058:admin"),
            };
            var userToken = caller is Caller.Backend or Caller.Support ? null : Backend.Jira.UserTokenFor(FakeJira.PrincipalOf(own));

            async Task Expect(string who, int expected, params (string Name, string Value)[] headers)
            {
                var answer = await SendRawAsync(method, path, body, headers);
                if (answer.Status != expected)
                {
                    wrong.Add($"{key} with {who}: {answer.Status}, expected {expected}");
                }
                else if (answer.Header("content-type")?.StartsWith("application/json", StringComparison.Ordinal) != true || !answer.Body.Contains("\"detail\"", StringComparison.Ordinal))
                {
                    wrong.Add($"{key} with {who}: not a ProblemDetails ({answer.Header("content-type")})");
                }
            }

            (string, string)[] WithUser(params (string, string)[] headers)
                => userToken is null ? headers : [.. headers, (FakeJira.UserTokenHeader, userToken)];

            await Expect("its token in two Authorization fields", 401, WithUser(("Authorization", "Bearer " + own), ("Authorization", "Bearer " + own)));
            await Expect("two tokens in one Authorization field", 401, WithUser(("Authorization", "Bearer " + own + ", Bearer " + own)));
            await Expect("its token under the Basic scheme", 401, WithUser(("Authorization", "Basic " + own)));
            await Expect("its token under the Token scheme", 401, WithUser(("Authorization", "Token " + own)));
            await Expect("its token without a scheme", 401, WithUser(("Authorization", own)));
            await Expect("its token glued to the scheme", 401, WithUser(("Authorization", "Bearer" + own)));
            await Expect("its token only in x-forge-oauth-system", 401, WithUser(("x-forge-oauth-system", own)));
            await Expect("its token only in x-forge-oauth-user", 401, (FakeJira.UserTokenHeader, own));
            var query = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var inQuery = await SendRawAsync(method, path + query + "access_token=" + Uri.EscapeDataString(own), body, WithUser());
            if (inQuery.Status != 401)
            {
                wrong.Add($"{key} with its token only in the query: {inQuery.Status}, expected 401");
            }

            if (caller is Caller.Backend or Caller.Support)
            {
                continue;
            }

            // One user's FIT, another user's x-forge-oauth-user: Jira would answer for the token's user.
            var adminFit = Forge.Mint(_tenant, "557058:admin");
            var plainFit = Forge.Mint(_tenant, Nobody);
            var expected = caller == Caller.AnyUser ? 200 : 403;
            foreach (var (who, fit, lent) in new[]
            {
                ("a plain user's FIT with an administrator's user token", plainFit, Backend.Jira.UserTokenFor("557058:admin")),
                ("a plain user's FIT with the user token of one who may browse and edit", plainFit, Backend.Jira.UserTokenFor("557058:user")),
                ("an administrator's FIT with a plain user's user token", adminFit, Backend.Jira.UserTokenFor(Nobody)),
            })
            {
                var answer = await SendRawAsync(method, path, body, [("Authorization", "Bearer " + fit), (FakeJira.UserTokenHeader, lent)]);
                if (answer.Status != expected)
                {
                    wrong.Add($"{key} with {who}: {answer.Status}, expected {expected}");
                }
                else if (caller == Caller.AnyUser && JsonNode.Parse(answer.Body)?["isAdmin"]?.GetValue<bool>() != false)
                {
                    wrong.Add($"{key} with {who}: isAdmin is not false ({answer.Body})");
                }
            }
        }

        Assert.That(checkedRoutes, Is.GreaterThan(30));
        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
        Assert.That(await TenantRowsAsync(), Is.EqualTo(before), "nothing stored changed");
    }

    private async Task<List<string>> TenantRowsAsync()
        => [.. (await Backend.DumpStoreAsync()).Where(r => r.Contains(_tenant, StringComparison.Ordinal) || r.Contains(_revoked, StringComparison.Ordinal) || r.Contains(_expired, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <summary>One request on its own connection, headers exactly as given (HttpClient folds repeated fields into one).</summary>
    private async Task<RawAnswer> SendRawAsync(string method, string path, string? body, (string Name, string Value)[] headers)
    {
        await using var raw = await RawHttp.ConnectAsync(Backend.Client.BaseAddress!);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"Content-Type: application/json\r\nContent-Length: {bytes.Length}\r\n");
        }

        text.Append("\r\n");
        await raw.SendAsync([.. Encoding.Latin1.GetBytes(text.ToString()), .. bytes]);
        return await raw.ReadAsync() ?? new RawAnswer(0, [], string.Empty);
    }
}
