namespace Proxy.Failures;

/// <summary>A queue message that is not a failure record; it ends in the poison queue.</summary>
public sealed class MalformedFailureMessageException : Exception
{
    public MalformedFailureMessageException()
    {
    }

    public MalformedFailureMessageException(string message)
        : base(message)
    {
    }

    public MalformedFailureMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
