using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using BluBees.Engine.Connections;
using Microsoft.Extensions.AI;
using OpenAI;

namespace BluBees.Engine.Steps.Ai;

/// <summary>
/// Builds the Microsoft.Extensions.AI chat client for one step execution, over an <see cref="HttpClient"/> whose
/// only handler is the egress guard. SDK retries are off (one attempt per step, counted by us) and the SDKs get
/// a placeholder key: the real one is added by <see cref="GuardedHttpMessageHandler"/> at the last moment.
/// </summary>
internal static class ChatClientFactory
{
    /// <summary>What the SDKs hold instead of the tenant's key; the guarded handler strips it.</summary>
    internal const string PlaceholderKey = "blubees-placeholder";

    public static IChatClient Create(Connection connection, string model, HttpClient http) => connection.Provider switch
    {
        AiProviders.OpenAi => OpenAi(connection, model, http),
        AiProviders.Anthropic => Anthropic(connection, model, http),
        _ => throw new ArgumentException("The connection has no AI provider.", nameof(connection)),
    };

    /// <summary>Where the provider's endpoint is: {base}/chat/completions or {base}/v1/messages.</summary>
    public static string EndpointOf(Connection connection) => connection.BaseUrl.TrimEnd('/') + (connection.Provider == AiProviders.Anthropic ? "/v1/messages" : "/chat/completions");

    private static IChatClient OpenAi(Connection connection, string model, HttpClient http)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(connection.BaseUrl.TrimEnd('/') + "/"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        };
        return new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(PlaceholderKey), options).AsIChatClient();
    }

    private static IChatClient Anthropic(Connection connection, string model, HttpClient http)
    {
        var client = new AnthropicClient
        {
            ApiKey = PlaceholderKey,
            BaseUrl = connection.BaseUrl.TrimEnd('/'),
            HttpClient = http,
            MaxRetries = 0,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return client.AsIChatClient(model);
    }
}
