namespace Proxy.Tests.Infrastructure;

/// <summary>The two hosts the same core runs on, each started as a user starts it.</summary>
public enum ProxyHostKind
{
    /// <summary>The standalone host's application built inside the test process, on Kestrel on a loopback port.</summary>
    InProcess,

    /// <summary><c>Proxy.Standalone</c> on Kestrel: <c>dotnet Proxy.Standalone.dll</c>.</summary>
    Standalone,

    /// <summary>The Functions app under the Functions host: <c>func start</c>, with <c>func</c> found on PATH.</summary>
    Functions,
}
