using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Connections;

namespace Proxy.Tests.Connections;

/// <summary>
/// Which connection the idle limit closes, and how, when one more becomes idle than it holds: never one just accepted; one
/// within its grace period for its first request only when new ones hold more than half the limit; a kept-alive one
/// gracefully.
/// </summary>
public sealed class IdleConnectionLimitTests
{
    private static readonly TimeSpan s_gracePeriod = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void NewConnections_AtALimitFullOfKeptAliveOnes_EachCloseTheLongestIdleKeptAliveOne_Gracefully()
    {
        var limit = Limit(maxIdle: 4);
        var first = Connection.KeptAlive(limit);
        var second = Connection.Accepted(limit);
        var third = Connection.KeptAlive(limit);
        var fourth = Connection.KeptAlive(limit);
        second.AnswerOneRequest(); // idle since after the others became idle: it has been idle the shortest

        var newOnes = Enumerable.Range(0, 2).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.Equal([true, true, false, false], new[] { first, third, fourth, second }.Select(connection => connection.AskedToClose));
        Assert.All(new[] { first, third, fourth, second }.Concat(newOnes), connection => Assert.False(connection.Aborted));
        Assert.All(newOnes, connection => Assert.False(connection.AskedToClose));
    }

    [Fact]
    public void NewConnectionsBeyondHalfTheLimit_AreAFlood_TheOldestOfThemIsAborted_NotAKeptAliveOne()
    {
        var limit = Limit(maxIdle: 4);
        var keptAlive = Connection.KeptAlive(limit);

        var flood = Enumerable.Range(0, 5).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.Equal([true, true, false, false, false], flood.Select(connection => connection.Aborted));
        Assert.False(keptAlive.Aborted || keptAlive.AskedToClose);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ANewConnection_IsChosenOverAKeptAliveOne_OnceItsGracePeriodHasPassed(bool passed)
    {
        var limit = Limit(maxIdle: 4);
        var keptAlive = Enumerable.Range(0, 3).Select(_ => Connection.KeptAlive(limit)).ToList();
        var waiting = Connection.Accepted(limit);

        _clock.Advance(passed ? s_gracePeriod : s_gracePeriod - TimeSpan.FromTicks(1));
        var next = Connection.Accepted(limit);

        Assert.Equal(passed, waiting.Aborted);
        Assert.Equal(!passed, keptAlive[0].AskedToClose);
        Assert.False(next.Aborted);
    }

    [Fact]
    public void NewConnectionsPastTheirGracePeriod_AreAbortedOldestFirst_BeforeAnyOther()
    {
        var limit = Limit(maxIdle: 4);
        var silent = Enumerable.Range(0, 2).Select(_ => Connection.Accepted(limit)).ToList();
        var keptAlive = Enumerable.Range(0, 2).Select(_ => Connection.KeptAlive(limit)).ToList();
        _clock.Advance(s_gracePeriod);

        var newOnes = Enumerable.Range(0, 2).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.All(silent, connection => Assert.True(connection.Aborted));
        Assert.All(keptAlive.Concat(newOnes), connection => Assert.False(connection.Aborted || connection.AskedToClose));
    }

    [Fact]
    public void WhenEveryIdleConnectionIsNewAndWithinItsGracePeriod_TheOldestIsAborted_NeverTheOneJustAccepted()
    {
        var limit = Limit(maxIdle: 3);
        var connections = Enumerable.Range(0, 5).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.Equal([true, true, false, false, false], connections.Select(connection => connection.Aborted));
    }

    [Fact]
    public void AConnectionAnsweringARequest_IsNotIdle_AndNeverClosed()
    {
        var limit = Limit(maxIdle: 1);
        var busy = Connection.Accepted(limit);
        busy.StartRequest();
        _clock.Advance(s_gracePeriod);

        var idle = Enumerable.Range(0, 3).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.False(busy.Aborted || busy.AskedToClose);
        Assert.Equal([true, true, false], idle.Select(connection => connection.Aborted));
    }

    [Fact]
    public void AClosedConnection_LeavesItsPlace_ForANewOne()
    {
        var limit = Limit(maxIdle: 2);
        var keptAlive = Connection.KeptAlive(limit);
        var leaving = Connection.KeptAlive(limit);
        leaving.Close();

        var next = Connection.Accepted(limit);

        Assert.False(keptAlive.AskedToClose);
        Assert.False(next.Aborted);
    }

    private IdleConnectionLimit Limit(int maxIdle) => new(
        Options.Create(new ConnectionOptions { MaxIdleConnections = maxIdle, FirstRequestGracePeriod = s_gracePeriod }),
        _clock, NullLogger<IdleConnectionLimit>.Instance);

    /// <summary>A connection as the server would report it to the limit, which records how the limit closed it.</summary>
    private sealed class Connection : DefaultConnectionContext, IConnectionLifetimeNotificationFeature
    {
        private readonly IdleConnectionLimit _limit;
        private readonly LinkedListNode<AcceptedConnection> _entry;

        private Connection(IdleConnectionLimit limit)
        {
            Features.Set<IConnectionLifetimeNotificationFeature>(this);
            _limit = limit;
            _entry = limit.Accepted(this);
        }

        /// <summary>Closed at once, dropping whatever it had not sent.</summary>
        public bool Aborted { get; private set; }

        /// <summary>Asked to close as the server closes connections when it stops: after what it is sending and answering.</summary>
        public bool AskedToClose { get; private set; }

        CancellationToken IConnectionLifetimeNotificationFeature.ConnectionClosedRequested { get; set; }

        public static Connection Accepted(IdleConnectionLimit limit) => new(limit);

        /// <summary>Accepted, and idle again after answering one request.</summary>
        public static Connection KeptAlive(IdleConnectionLimit limit)
        {
            var connection = new Connection(limit);
            connection.AnswerOneRequest();
            return connection;
        }

        public void StartRequest() => _limit.BecameBusyOrClosed(_entry);

        public void AnswerOneRequest()
        {
            StartRequest();
            _limit.BecameIdle(_entry);
        }

        public void Close() => _limit.BecameBusyOrClosed(_entry);

        public override void Abort(ConnectionAbortedException abortReason) => Aborted = true;

        void IConnectionLifetimeNotificationFeature.RequestClose() => AskedToClose = true;
    }
}
