namespace Proxy.Hosting;

/// <summary>A setting the proxy cannot run with, named as an operator sets it (<c>AzureWebJobsStorage</c>, <c>Proxy__…</c>).</summary>
public sealed class InvalidSettingException : Exception
{
    public InvalidSettingException(string setting, string problem)
        : base($"{setting} {problem}") => Setting = setting;

    public InvalidSettingException()
    {
        Setting = string.Empty;
    }

    public InvalidSettingException(string message)
        : base(message)
    {
        Setting = string.Empty;
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Setting = string.Empty;
    }

    public string Setting { get; }
}
