using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Connections;

namespace Proxy.Tests.Connections;

/// <summary>
/// Which connection the idle limit closes when one more becomes idle than it holds: never one just accepted, nor one
/// within its grace period for its first request while there are others to choose from.
/// </summary>
public sealed class IdleConnectionLimitTests
{
    private static readonly TimeSpan s_gracePeriod = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void NewConnections_AtALimitFullOfKeptAliveOnes_EachCloseTheLongestIdleKeptAliveOne()
    {
        var limit = Limit(maxIdle: 3);
        var first = Connection.KeptAlive(limit);
        var second = Connection.Accepted(limit);
        var third = Connection.KeptAlive(limit);
        second.AnswerOneRequest(); // idle since after the third became idle: the third has been idle longer

        var newOnes = Enumerable.Range(0, 3).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.Equal([true, true, true], new[] { first, third, second }.Select(connection => connection.Closed));
        Assert.All(newOnes, connection => Assert.False(connection.Closed));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ANewConnection_IsChosenOverAKeptAliveOne_OnlyOnceItsGracePeriodHasPassed(bool passed)
    {
        var limit = Limit(maxIdle: 2);
        var keptAlive = Connection.KeptAlive(limit);
        var waiting = Connection.Accepted(limit);

        _clock.Advance(passed ? s_gracePeriod : s_gracePeriod - TimeSpan.FromTicks(1));
        var next = Connection.Accepted(limit);

        Assert.Equal(passed, waiting.Closed);
        Assert.Equal(!passed, keptAlive.Closed);
        Assert.False(next.Closed);
    }

    [Fact]
    public void NewConnectionsPastTheirGracePeriod_AreClosedOldestFirst_ThenTheKeptAliveOnes()
    {
        var limit = Limit(maxIdle: 3);
        var silent = Enumerable.Range(0, 2).Select(_ => Connection.Accepted(limit)).ToList();
        var keptAlive = Connection.KeptAlive(limit);
        _clock.Advance(s_gracePeriod);

        var newOnes = Enumerable.Range(0, 3).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.Equal([true, true, true], silent.Append(keptAlive).Select(connection => connection.Closed));
        Assert.All(newOnes, connection => Assert.False(connection.Closed));
    }

    [Fact]
    public void WhenEveryIdleConnectionIsNewAndWithinItsGracePeriod_TheOldestIsClosed_NeverTheOneJustAccepted()
    {
        var limit = Limit(maxIdle: 3);
        var connections = Enumerable.Range(0, 5).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.Equal([true, true, false, false, false], connections.Select(connection => connection.Closed));
    }

    [Fact]
    public void AConnectionAnsweringARequest_IsNotIdle_AndNeverClosed()
    {
        var limit = Limit(maxIdle: 1);
        var busy = Connection.Accepted(limit);
        busy.StartRequest();
        _clock.Advance(s_gracePeriod);

        var idle = Enumerable.Range(0, 3).Select(_ => Connection.Accepted(limit)).ToList();

        Assert.False(busy.Closed);
        Assert.Equal([true, true, false], idle.Select(connection => connection.Closed));
    }

    [Fact]
    public void AClosedConnection_LeavesItsPlace_ForANewOne()
    {
        var limit = Limit(maxIdle: 2);
        var keptAlive = Connection.KeptAlive(limit);
        var leaving = Connection.KeptAlive(limit);
        leaving.Close();

        var next = Connection.Accepted(limit);

        Assert.False(keptAlive.Closed);
        Assert.False(next.Closed);
    }

    private IdleConnectionLimit Limit(int maxIdle) => new(
        Options.Create(new ConnectionOptions { MaxIdleConnections = maxIdle, FirstRequestGracePeriod = s_gracePeriod }),
        _clock, NullLogger<IdleConnectionLimit>.Instance);

    /// <summary>A connection as the server would report it to the limit, which records whether the limit closed it.</summary>
    private sealed class Connection : DefaultConnectionContext
    {
        private readonly IdleConnectionLimit _limit;
        private readonly LinkedListNode<AcceptedConnection> _entry;

        private Connection(IdleConnectionLimit limit)
        {
            _limit = limit;
            _entry = limit.Accepted(this);
        }

        public bool Closed { get; private set; }

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

        public override void Abort(ConnectionAbortedException abortReason) => Closed = true;
    }
}
