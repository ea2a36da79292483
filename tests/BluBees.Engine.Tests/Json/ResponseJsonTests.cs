using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Json;

/// <summary>
/// A third party's JSON answer becomes <c>steps.&lt;id&gt;.body</c> only when every string and name in it is text: an
/// escaped lone surrogate or bytes that are not UTF-8 make the body null (as if it did not parse), instead of throwing
/// in the first step that reads it. Escapes of real text, surrogate pairs included, are text.
/// </summary>
public sealed class ResponseJsonTests
{
    private static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            bytes.AddRange(part is string text ? Encoding.UTF8.GetBytes(text) : (byte[])part);
        }

        return [.. bytes];
    }

    [TestCase("{\"a\":\"caf\\u00e9\"}", "café")]
    [TestCase("{\"a\":\"smile \\ud83d\\ude00\"}", "smile 😀")]
    [TestCase("{\"a\":\"plain\"}", "plain")]
    [TestCase("{\"a\":\"tab\\there\"}", "tab\there")]
    public void Escaped_and_plain_text_is_read(string json, string expected)
    {
        var body = ResponseJson.Parse(Encoding.UTF8.GetBytes(json), "application/json");
        Assert.That(body?["a"]?.GetValue<string>(), Is.EqualTo(expected));
    }

    [TestCase("{\"a\":\"cut \\ud83d\"}", TestName = "a lone high surrogate escape in a value")]
    [TestCase("{\"a\":\"\\ude00 tail\"}", TestName = "a lone low surrogate escape in a value")]
    [TestCase("{\"\\ud800\":1}", TestName = "a lone surrogate escape in a name")]
    [TestCase("[1,{\"b\":[\"ok\",\"\\udbff\"]}]", TestName = "a lone surrogate escape nested in arrays")]
    public void A_lone_surrogate_escape_makes_no_body(string json)
        => Assert.That(ResponseJson.Parse(Encoding.UTF8.GetBytes(json), "application/json"), Is.Null);

    [Test]
    public void Bytes_that_are_not_utf8_in_a_value_or_a_name_make_no_body()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ResponseJson.Parse(Bytes("{\"a\":\"bad ", new byte[] { 0xC3, 0x28 }, "\"}"), "application/json"), Is.Null, "an invalid sequence in a value");
            Assert.That(ResponseJson.Parse(Bytes("{\"", new byte[] { 0xFF }, "\":1}"), "application/json"), Is.Null, "an invalid byte in a name");
            Assert.That(ResponseJson.Parse(Bytes("{\"a\":\"", new byte[] { 0xED, 0xA0, 0x80 }, "\"}"), "application/json"), Is.Null, "a surrogate encoded as UTF-8");
            Assert.That(ResponseJson.Parse(Bytes("{\"a\":\"x\\n", new byte[] { 0xC3, 0x28 }, "\"}"), "application/json"), Is.Null, "an invalid sequence in an escaped value");
        });
    }

    [Test]
    public void A_byte_order_mark_is_not_part_of_the_text()
    {
        var body = ResponseJson.Parse(Bytes(new byte[] { 0xEF, 0xBB, 0xBF }, "{\"n\":2}"), "application/json; charset=utf-8");
        Assert.That(body?["n"]?.GetValue<int>(), Is.EqualTo(2));
    }

    [Test]
    public void Text_that_is_not_json_is_a_string_and_other_types_are_no_body()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ResponseJson.Parse("hello"u8, "text/plain")?.GetValue<string>(), Is.EqualTo("hello"));
            Assert.That(ResponseJson.Parse("{\"a\":1}"u8, "application/octet-stream"), Is.Null);
            Assert.That(ResponseJson.Parse("{not json"u8, "application/json"), Is.Null);
        });
    }

    /// <summary>A third party's body nested far past the parser's depth is no value (null), never an exception.</summary>
    [Test]
    public void A_body_nested_ten_thousand_deep_is_null()
    {
        var body = Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000));

        Assert.That(ResponseJson.Parse(body, "application/json"), Is.Null);
    }
}
