using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

// A small test runner (no NUnit needed): every public static method marked [Test] runs, in
// declaration order; async ones are awaited with a time limit. Exit code 0 when all pass.
// Usage: mono LobbydTests.exe [unit|flow|all]  (flow needs LOBBYD_URL).
namespace Lobbyd.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestAttribute : Attribute
    {
        public int TimeoutSeconds { get; set; }
        public TestAttribute() { TimeoutSeconds = 30; }
    }

    public static class Assert
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new Exception("expected: " + what);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!Equals(expected, actual))
                throw new Exception(what + ": expected <" + expected + ">, got <" + actual + ">");
        }

        public static async Task<TError> ThrowsAsync<TError>(Func<Task> call, string what) where TError : Exception
        {
            try
            {
                await call();
            }
            catch (TError error)
            {
                return error;
            }
            catch (Exception other)
            {
                throw new Exception(what + ": expected " + typeof(TError).Name + ", got " + other);
            }
            throw new Exception(what + ": expected " + typeof(TError).Name + ", nothing was thrown");
        }
    }

    /// <summary>A SynchronizationContext that runs posted work on one thread of its own, like
    /// an engine's main thread.</summary>
    public sealed class PumpContext : SynchronizationContext, IDisposable
    {
        readonly BlockingCollection<Tuple<SendOrPostCallback, object>> queue = new BlockingCollection<Tuple<SendOrPostCallback, object>>();
        readonly Thread thread;

        public int ThreadId { get { return thread.ManagedThreadId; } }

        public PumpContext()
        {
            thread = new Thread(() =>
            {
                SetSynchronizationContext(this);
                foreach (var item in queue.GetConsumingEnumerable()) item.Item1(item.Item2);
            }) { IsBackground = true, Name = "pump" };
            thread.Start();
        }

        public override void Post(SendOrPostCallback callback, object state)
        {
            queue.Add(Tuple.Create(callback, state));
        }

        public void Dispose()
        {
            queue.CompleteAdding();
        }
    }

    public static class Runner
    {
        public static int Main(string[] args)
        {
            var which = args.Length > 0 ? args[0] : "all";
            var classes = new[] { typeof(UnitTests), typeof(FlowTests) }
                .Where(type => which == "all" || type.Name.ToLowerInvariant().StartsWith(which));
            int passed = 0, failed = 0;
            foreach (var type in classes)
            {
                var tests = type.GetMethods(BindingFlags.Public | BindingFlags.Static)
                    .Where(method => method.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                    .OrderBy(method => method.MetadataToken);
                foreach (var method in tests)
                {
                    var limit = ((TestAttribute)method.GetCustomAttributes(typeof(TestAttribute), false)[0]).TimeoutSeconds;
                    var name = type.Name + "." + method.Name;
                    var clock = Stopwatch.StartNew();
                    try
                    {
                        var result = method.Invoke(null, null) as Task;
                        if (result != null && !result.Wait(TimeSpan.FromSeconds(limit)))
                            throw new TimeoutException("took over " + limit + " s");
                        Console.WriteLine("ok   " + name + " (" + clock.ElapsedMilliseconds + " ms)");
                        passed++;
                    }
                    catch (Exception error)
                    {
                        var inner = error;
                        while ((inner is TargetInvocationException || inner is AggregateException) && inner.InnerException != null)
                            inner = inner.InnerException;
                        Console.WriteLine("FAIL " + name + ": " + inner);
                        failed++;
                    }
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }
}
