using BluBees.Engine.Egress;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

public sealed class EgressOptionsTests
{
    [Test]
    public void DefaultsAreSafeAndValid()
    {
        var options = new EgressOptions();

        Assert.That(options.Validate(), Is.Empty);
        Assert.That(options.AllowHttp, Is.False);
        Assert.That(options.AllowPrivateNetworks, Is.False);
        Assert.That(options.AllowAnyPort, Is.False);
        Assert.That(options.IsPortAllowed(443), Is.True);
        Assert.That(options.IsPortAllowed(80), Is.False);
        Assert.That(options.MaxResponseBytes, Is.EqualTo(1024 * 1024));
    }

    [Test]
    public void ValidationListsEveryProblem()
    {
        var options = new EgressOptions
        {
            MaxRedirects = -1,
            MaxResponseBytes = 0,
            ConnectTimeout = TimeSpan.Zero,
            ReadIdleTimeout = Timeout.InfiniteTimeSpan,
            MinResponseBytesPerSecond = double.NaN,
            AllowedPorts = [0, 70000],
            AllowedNetworks = ["10.0.0.0/99"],
        };

        Assert.That(options.Validate(), Has.Count.EqualTo(8));
    }

    [Test]
    public void TheOtherTimeoutsAreBoundedAtOneDay()
    {
        // Control: past these the runtime throws on the first outbound call (the handler's connect timeout is at most
        // int.MaxValue ms, about 24.8 days; a deadline's delay at most about 49.7 days), so such a value started and
        // then failed every step instead of stopping the start.
        Assert.That(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromDays(30) }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new CancellationTokenSource(TimeSpan.FromDays(60), TimeProvider.System), Throws.InstanceOf<ArgumentOutOfRangeException>());

        var huge = new EgressOptions { ConnectTimeout = TimeSpan.FromDays(30), DefaultTimeout = TimeSpan.FromDays(60), ReadIdleTimeout = TimeSpan.FromDays(60) };
        Assert.That(huge.Validate(), Is.EquivalentTo(new[]
        {
            "Egress:ConnectTimeout must be at most 1 day.",
            "Egress:DefaultTimeout must be at most 1 day.",
            "Egress:ReadIdleTimeout must be at most 1 day.",
        }));

        var day = TimeSpan.FromDays(1);
        Assert.That(new EgressOptions { ConnectTimeout = day, DefaultTimeout = day, ReadIdleTimeout = day }.Validate(), Is.Empty);
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(601)]
    public void TheResponseHeadersTimeoutMustBePositiveAndBounded(int seconds)
    {
        var options = new EgressOptions { ResponseHeadersTimeout = TimeSpan.FromSeconds(seconds) };

        Assert.That(options.Validate(), Has.Some.Contains("Egress:ResponseHeadersTimeout"));
        Assert.That(new EgressOptions().ResponseHeadersTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(new EgressOptions().Validate(), Is.Empty);
    }

    [Test]
    public void AddEgressBindsTheSectionAndKeepsAResolverRegisteredFirst()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Egress:AllowHttp"] = "true",
            ["Egress:AllowedPorts:0"] = "8080",
            ["Egress:AllowedNetworks:0"] = "10.1.0.0/16",
            ["Egress:DefaultTimeout"] = "00:00:12",
        }).Build();
        var resolver = new FakeResolver();
        using var provider = new ServiceCollection()
            .AddSingleton<IEgressResolver>(resolver)
            .AddEgress(config.GetSection(EgressOptions.SectionName))
            .BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<EgressOptions>>().Value;
        Assert.That(options.AllowHttp, Is.True);
        Assert.That(options.AllowedPorts, Is.EqualTo(new[] { 8080 }));
        Assert.That(options.AllowedNetworks, Is.EqualTo(new[] { "10.1.0.0/16" }));
        Assert.That(options.DefaultTimeout, Is.EqualTo(TimeSpan.FromSeconds(12)));
        Assert.That(provider.GetRequiredService<IEgressResolver>(), Is.SameAs(resolver));
        Assert.That(provider.GetRequiredService<GuardedHttpClient>(), Is.SameAs(provider.GetRequiredService<GuardedHttpClient>()));
    }

    [Test]
    public void AddEgressValidatesOnStart()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Egress:MaxRedirects"] = "99",
        }).Build();
        using var provider = new ServiceCollection().AddEgress(config.GetSection("Egress")).BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<IStartupValidator>().Validate(), Throws.TypeOf<OptionsValidationException>());
    }
}
