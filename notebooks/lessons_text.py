"""The lessons: for each notebook, its cells in order. A cell is
("md", english, korean) or ("code", go source). Code cells are shared by both
languages. lessons.py turns this into notebooks."""

LESSONS = []


def lesson(stem, *cells):
    LESSONS.append((stem, list(cells)))


def md(en, ko):
    return ("md", en, ko)


def code(src):
    return ("code", src)


def nxt(stem, en_title, ko_title):
    return md(
        f"Next: [{en_title}]({stem}.ipynb) · [Start page](00-start.ipynb)",
        f"다음 장: [{ko_title}]({stem}.ipynb) · [처음으로](00-start.ipynb)",
    )


# ---------------------------------------------------------------- 00 start
lesson(
    "00-start",
    md(
        r"""
        # Concurrency words, with Go you can run

        These notebooks teach the vocabulary of concurrent programming — concurrency and
        parallelism, synchronous and asynchronous, blocking and non-blocking, threads and
        processes, coroutines — by running small Go programs and looking at what they do.
        Each term comes with its Korean name too, because the lessons exist in both languages
        (the Korean ones are in `../ko/`, with exactly the same code).

        Definitions of these words are often loose: "asynchronous means in parallel", "a
        coroutine is a light thread". Here every claim is an experiment you can change and rerun,
        and a few of those loose claims turn out to be wrong.

        The cells are Go, interpreted by [yaegi](https://github.com/traefik/yaegi) in the
        gokernel kernel. Interpreted Go is much slower than compiled Go (hundreds of times for
        tight loops), so the workloads are small; everything else — goroutines, channels, the
        scheduler, several CPU cores — is the real Go runtime.
        """,
        r"""
        # 실행하며 배우는 동시성 용어

        이 노트북들은 동시성 프로그래밍에서 자주 쓰는 말들을 다룹니다. 동시성과 병렬성, 동기와
        비동기, 블로킹과 논블로킹, 스레드와 프로세스, 그리고 코루틴입니다. 설명만 읽고 넘어가지
        않고, 작은 Go 프로그램을 직접 돌려 보면서 각각이 실제로 어떻게 움직이는지 눈으로 확인합니다.
        영어판(`../en/`)도 있는데, 코드는 한 글자도 다르지 않습니다.

        이런 용어는 흔히 느슨하게 설명됩니다. "비동기는 병렬로 실행된다", "코루틴은 가벼운
        스레드다" 같은 식이죠. 여기서는 모든 주장을 실험으로 바꿔 보고, 값을 바꿔 다시 실행해
        봅니다. 그러다 보면 그런 설명 가운데 몇몇은 정확하지 않다는 것도 알게 됩니다.

        셀에 적는 코드는 Go이고, gokernel 커널 안에서 [yaegi](https://github.com/traefik/yaegi)
        인터프리터가 실행합니다. 인터프리터로 돌리는 Go는 컴파일된 Go보다 훨씬 느리기 때문에
        (빡빡한 반복문은 수백 배) 작업량을 작게 잡았습니다. 그 밖의 것들, 즉 고루틴, 채널,
        스케줄러, 여러 개의 CPU 코어는 모두 진짜 Go 런타임 그대로입니다.
        """,
    ),
    md(
        r"""
        ## Running a cell

        Click into the cell below and press **Shift-Enter**. A cell can hold imports,
        declarations and statements in any mix; names you define stay defined for later cells,
        and the last expression of a cell is shown as its result.
        """,
        r"""
        ## 셀 실행하기

        아래 셀을 클릭하고 **Shift-Enter**를 눌러 보세요. 셀 하나에 import, 선언, 문장을 섞어서
        적을 수 있습니다. 한 번 정의한 이름은 다음 셀에서도 그대로 쓸 수 있고, 셀의 마지막 줄이
        식(expression)이면 그 값이 결과로 표시됩니다.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "runtime"
            "time"
        )

        fmt.Println("Hello from Go", runtime.Version())
        cores := runtime.NumCPU()
        cores
        """
    ),
    md(
        r"""
        The number under the printed line is the number of CPU cores on the machine running the
        kernel; lesson 1 is about why that number matters. `cores` is still defined now:
        """,
        r"""
        출력된 줄 아래의 숫자는 커널이 돌아가는 컴퓨터의 CPU 코어 수입니다. 이 숫자가 왜 중요한지는
        1장에서 다룹니다. 앞 셀에서 만든 `cores`는 지금도 살아 있습니다.
        """,
    ),
    code(
        r"""
        cores * 10
        """
    ),
    md(
        r"""
        ## Interrupt and restart

        The next cell takes about two seconds. Run it, and while it runs press the **■ (interrupt)**
        button in the toolbar (or `i`, `i` in command mode): the cell stops at once, and names
        from earlier cells survive. If the kernel ever gets into a strange state, use
        **Kernel → Restart**: everything defined so far is forgotten, so run the cells again from
        the top.
        """,
        r"""
        ## 중단과 재시작

        다음 셀은 2초쯤 걸립니다. 실행해 놓고, 도는 동안 도구 막대의 **■ (중단)** 버튼을 눌러
        보세요(명령 모드라면 `i`를 두 번). 셀은 곧바로 멈추고, 앞 셀에서 정의한 이름은 그대로
        남아 있습니다. 커널 상태가 이상해졌다 싶으면 **Kernel → Restart**로 재시작하면 됩니다.
        이때는 지금까지 정의한 것이 모두 사라지니 위에서부터 셀을 다시 실행하세요.
        """,
    ),
    code(
        r"""
        for i := 1; i <= 10; i++ {
            fmt.Print(i, " ")
            time.Sleep(200 * time.Millisecond)
        }
        fmt.Println("done")
        """
    ),
    md(
        r"""
        ## The lessons

        | | lesson | what you will see |
        |---|---|---|
        | 1 | [Concurrency vs parallelism](01-concurrency-vs-parallelism.ipynb) | goroutines taking turns on one CPU, and running at the same time on several |
        | 2 | [Synchronous vs asynchronous](02-sync-vs-async.ipynb) | three slow calls one after another, then all at once — even on one CPU |
        | 3 | [Blocking vs non-blocking](03-blocking-vs-nonblocking.ipynb) | waiting, not waiting, waiting with a timeout, being cancelled; a 2×2 table |
        | 4 | [Thread vs process](04-thread-vs-process.ipynb) | goroutines sharing memory (and losing updates), a child process that shares nothing |
        | 5 | [Coroutines](05-coroutine.ipynb) | a generator that runs only when asked, against a goroutine that runs on its own |
        | 6 | [How they relate](06-how-they-relate.ipynb) | one worker pool that uses every word at once |
        | 7 | [Analogies](07-analogies.ipynb) | tables, people and queues, each with a tiny program |

        Every lesson has an exercise marked **Try it**: change a number, rerun, and compare with
        what the text predicts. Timings and orders in the saved outputs come from one run on a
        2-core machine; yours will differ a little, and the text says where they may.
        """,
        r"""
        ## 차례

        | | 장 | 무엇을 보게 되나 |
        |---|---|---|
        | 1 | [동시성과 병렬성](01-concurrency-vs-parallelism.ipynb) | CPU 하나에서 번갈아 도는 고루틴, 여러 CPU에서 정말 동시에 도는 고루틴 |
        | 2 | [동기와 비동기](02-sync-vs-async.ipynb) | 느린 호출 세 개를 차례로, 그리고 한꺼번에. CPU가 하나여도 됩니다 |
        | 3 | [블로킹과 논블로킹](03-blocking-vs-nonblocking.ipynb) | 기다리기, 안 기다리기, 시간 제한, 취소. 그리고 2×2 표 |
        | 4 | [스레드와 프로세스](04-thread-vs-process.ipynb) | 메모리를 나눠 쓰는 고루틴(그리고 사라지는 갱신), 아무것도 나누지 않는 자식 프로세스 |
        | 5 | [코루틴](05-coroutine.ipynb) | 부를 때만 움직이는 제너레이터와 알아서 움직이는 고루틴 |
        | 6 | [서로 어떤 관계인가](06-how-they-relate.ipynb) | 모든 용어가 한자리에 모이는 워커 풀 |
        | 7 | [비유로 이해하기](07-analogies.ipynb) | 테이블, 사람, 줄 서기. 비유마다 작은 프로그램 하나씩 |

        장마다 **해 보기** 연습이 있습니다. 숫자를 바꿔 다시 실행하고, 본문에서 예상한 결과와
        비교해 보세요. 저장된 출력의 시간과 순서는 코어 2개짜리 컴퓨터에서 한 번 돌린 결과입니다.
        여러분의 결과는 조금 다를 수 있고, 그럴 수 있는 곳에는 따로 적어 두었습니다.
        """,
    ),
)

# ---------------------------------------------------------------- 01
lesson(
    "01-concurrency-vs-parallelism",
    md(
        r"""
        # Concurrency vs parallelism

        **Concurrency (동시성)** is about structure: a program is made of several tasks that are
        all in progress during the same stretch of time. They may take turns on a single CPU, a
        slice of one, then a slice of another — that is still concurrency.

        **Parallelism (병렬성)** is about execution: several tasks are running at the *same
        instant*, on different CPU cores. It needs hardware with more than one core, and a
        program whose work is split into pieces that can run at once.

        In Go a task is a **goroutine** (`go f()`). How many goroutines can run Go code at the
        same instant is set by `runtime.GOMAXPROCS` — by default the number of cores. With
        `GOMAXPROCS(1)` a concurrent program gets no parallelism at all; with more, the same
        program runs in parallel without a single change. So concurrency is something you write;
        parallelism is something you may get when you run it.
        """,
        r"""
        # 동시성과 병렬성

        **동시성(concurrency)**은 프로그램의 구조에 관한 말입니다. 여러 작업이 같은 시간대에 함께
        진행 중인 상태를 뜻하죠. CPU가 하나뿐이어서 이 작업 조금, 저 작업 조금씩 번갈아
        실행하더라도 동시성입니다.

        **병렬성(parallelism)**은 실행에 관한 말입니다. 여러 작업이 *같은 순간에* 서로 다른 CPU
        코어에서 실제로 돌아가는 것이죠. 그러려면 코어가 둘 이상인 하드웨어가 있어야 하고,
        프로그램도 동시에 돌릴 수 있는 조각으로 나뉘어 있어야 합니다.

        Go에서 작업 하나는 **고루틴(goroutine)**입니다(`go f()`). 같은 순간에 Go 코드를 실행할 수
        있는 고루틴의 수는 `runtime.GOMAXPROCS`가 정하며, 기본값은 코어 수입니다.
        `GOMAXPROCS(1)`이면 동시성 프로그램이라도 병렬성은 전혀 없습니다. 값을 늘리면 같은
        프로그램이 코드 한 줄 바꾸지 않고 병렬로 돕니다. 정리하면, 동시성은 우리가 코드로 짜는
        것이고 병렬성은 실행할 때 얻을 수도 있는 것입니다.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "runtime"
            "sync"
            "time"

            "gokernel/timeline"
        )

        fmt.Println("CPU cores:", runtime.NumCPU())
        fmt.Println("GOMAXPROCS:", runtime.GOMAXPROCS(0))
        """
    ),
    md(
        r"""
        `spin` is busy work for the CPU: it only counts. `twoGoroutines` starts two goroutines,
        A and B, each doing twenty slices of that work, and records every slice on a
        **timeline** — one row per goroutine, time going right. After each slice a goroutine
        calls `runtime.Gosched()` to offer the CPU to someone else, so the turns are short enough
        to see. `Overlap` reads the timeline back and reports for how much of the busy
        time two or more goroutines were running at the same instant.
        """,
        r"""
        `spin`은 CPU를 바쁘게 만드는 일감입니다. 그냥 숫자를 셉니다. `twoGoroutines`는 고루틴
        A와 B를 띄우고, 각자 이 일을 스무 토막씩 하게 하면서 토막마다 **타임라인**에 기록합니다.
        타임라인은 고루틴마다 한 줄이고, 시간은 오른쪽으로 흐릅니다. 고루틴은 한 토막을 끝낼
        때마다 `runtime.Gosched()`를 불러 다른 고루틴에게 CPU를 양보하는데, 차례가 눈에 보일
        만큼 짧게 바뀌도록 하려는 것입니다. `Overlap`은 기록된 타임라인을 다시 읽어서, 바쁘게
        돈 시간 가운데 고루틴 둘 이상이 같은 순간에 돌고 있던 시간이 몇 퍼센트인지 알려 줍니다.
        """,
    ),
    code(
        r"""
        func spin(n int) int {
            s := 0
            for i := 0; i < n; i++ {
                s += i % 7
            }
            return s
        }

        func twoGoroutines(procs int) *timeline.Timeline {
            old := runtime.GOMAXPROCS(procs)
            defer runtime.GOMAXPROCS(old)
            tl := timeline.New()
            var wg sync.WaitGroup
            for _, name := range []string{"goroutine A", "goroutine B"} {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    lane := tl.Lane(name)
                    for slice := 0; slice < 20; slice++ {
                        lane.Run(func() { spin(50000) })
                        runtime.Gosched()
                    }
                }()
            }
            wg.Wait()
            tl.Stop()
            return tl
        }

        """
    ),
    md(
        r"""
        ## One CPU: concurrency without parallelism

        With `GOMAXPROCS(1)` only one goroutine runs Go code at any instant. Both goroutines make
        progress — that is concurrency — but the green slices of A and B don't sit on top of each
        other: they take turns. (A share of a few percent can appear when the machine is busy:
        a bar counts from the start of a slice to its end, so a goroutine paused in mid-slice
        looks as if it were still running.)
        """,
        r"""
        ## CPU 하나: 병렬성 없는 동시성

        `GOMAXPROCS(1)`에서는 어느 순간에든 Go 코드를 실행하는 고루틴이 하나뿐입니다. 두 고루틴
        모두 일을 진행하니 동시성은 있습니다. 하지만 A와 B의 초록 막대는 위아래로 겹치지
        않습니다. 서로 차례를 주고받을 뿐입니다. (컴퓨터가 바쁠 때는 몇 퍼센트쯤 겹쳐 나올 수
        있습니다. 막대는 토막의 시작부터 끝까지를 그리므로, 토막 도중에 잠깐 멈춘 고루틴도 계속
        돈 것처럼 보이기 때문입니다.)
        """,
    ),
    code(
        r"""
        oneCPU := twoGoroutines(1)
        fmt.Printf("GOMAXPROCS(1): both goroutines running at once %.0f%% of the time\n", oneCPU.Overlap())
        oneCPU
        """
    ),
    md(
        r"""
        ## All CPUs: parallelism

        The same function, with `GOMAXPROCS` set to the number of cores. On a machine with two or
        more cores the rows now overlap: A and B run at the same instant, and the whole thing
        takes about half the time. (On a one-core machine the picture looks like the one above.)
        """,
        r"""
        ## CPU 전부: 병렬성

        같은 함수를, 이번에는 `GOMAXPROCS`를 코어 수로 두고 실행합니다. 코어가 둘 이상인
        컴퓨터라면 두 줄이 겹칩니다. A와 B가 같은 순간에 돌고, 전체 시간도 절반쯤으로 줄어듭니다.
        (코어가 하나뿐인 컴퓨터라면 위 그림과 비슷하게 나옵니다.)
        """,
    ),
    code(
        r"""
        allCPUs := twoGoroutines(runtime.NumCPU())
        fmt.Printf("GOMAXPROCS(NumCPU): both goroutines running at once %.0f%% of the time\n", allCPUs.Overlap())
        allCPUs
        """
    ),
    md(
        r"""
        ## Measuring the speedup

        Now a bigger job: the same total amount of counting, split over one goroutine per core,
        timed once with `GOMAXPROCS(1)` and once with all cores. Parallelism shows up as a
        speedup close to the number of cores (a little less: starting and joining goroutines
        costs something, and the machine runs other programs too). The numbers vary from run to
        run.
        """,
        r"""
        ## 빨라진 정도 재기

        이번에는 일을 크게 잡습니다. 전체 세는 양은 똑같이 두고, 코어마다 고루틴 하나씩 나눠
        맡긴 다음, `GOMAXPROCS(1)`일 때와 코어를 다 쓸 때의 시간을 잽니다. 병렬성은 코어 수에
        가까운 속도 향상으로 나타납니다(고루틴을 띄우고 모으는 비용도 있고 컴퓨터가 다른
        프로그램도 돌리고 있으니 그보다는 조금 모자랍니다). 숫자는 실행할 때마다 조금씩 다릅니다.
        """,
    ),
    code(
        r"""
        const totalWork = 16000000

        func timed(procs, workers int) time.Duration {
            old := runtime.GOMAXPROCS(procs)
            defer runtime.GOMAXPROCS(old)
            start := time.Now()
            var wg sync.WaitGroup
            for w := 0; w < workers; w++ {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    spin(totalWork / workers)
                }()
            }
            wg.Wait()
            return time.Since(start)
        }

        cpus := runtime.NumCPU()
        workers := cpus
        oneCore := timed(1, workers)
        allCores := timed(cpus, workers)
        fmt.Printf("cores: %d, goroutines: %d\n", cpus, workers)
        fmt.Printf("GOMAXPROCS(1): %v\n", oneCore.Round(time.Millisecond))
        fmt.Printf("GOMAXPROCS(%d): %v\n", cpus, allCores.Round(time.Millisecond))
        fmt.Printf("speedup: %.2fx\n", float64(oneCore)/float64(allCores))
        """
    ),
    md(
        r"""
        ## Try it

        1. In the last cell, set `workers := 1` and rerun. One goroutine can use only one core,
           however many you allow: the speedup falls to about 1.0×. Parallelism needs a
           concurrent structure to work with.
        2. Set `workers := 8`. The speedup stays near the core count: more goroutines than cores
           is fine (still concurrent), it just doesn't add parallelism.
        3. In `twoGoroutines`, delete the line `runtime.Gosched()` and rerun the
           `GOMAXPROCS(1)` cell. The goroutines still take turns, because Go's scheduler
           preempts a goroutine that has run for about 10 ms, but the turns get longer and the
           picture coarser. (Rerun the cell that defines the functions after editing it.)
        """,
        r"""
        ## 해 보기

        1. 마지막 셀에서 `workers := 1`로 바꿔 다시 실행해 보세요. 고루틴 하나는 코어를 아무리
           많이 허락해도 한 개밖에 쓰지 못하므로 속도 향상은 1.0배 근처로 떨어집니다. 병렬성을
           얻으려면 먼저 동시성 구조가 있어야 한다는 뜻입니다.
        2. `workers := 8`로 바꿔 보세요. 속도 향상은 여전히 코어 수 근처에 머뭅니다. 고루틴이
           코어보다 많아도 괜찮지만(동시성은 그대로) 병렬성이 더 늘지는 않습니다.
        3. `twoGoroutines`에서 `runtime.Gosched()` 줄을 지우고 `GOMAXPROCS(1)` 셀을 다시
           실행해 보세요. 고루틴들은 여전히 번갈아 돕니다. Go 스케줄러가 10 ms쯤 달린 고루틴을
           강제로 멈추기(선점) 때문입니다. 다만 한 번의 차례가 길어져서 그림이 더 거칠어집니다.
           (함수를 고친 뒤에는 그 함수를 정의한 셀부터 다시 실행하세요.)
        """,
    ),
    md(
        r"""
        ## Recap

        - Concurrency: several tasks in progress over the same period; they may take turns.
        - Parallelism: several tasks executing at the same instant on different cores.
        - A Go program written with goroutines is concurrent; it runs in parallel when
          `GOMAXPROCS` and the hardware allow, without changes.
        - Parallelism speeds up CPU-bound work by up to the number of cores.
        """,
        r"""
        ## 정리

        - 동시성: 여러 작업이 같은 시간대에 함께 진행 중인 것. 번갈아 실행해도 됩니다.
        - 병렬성: 여러 작업이 같은 순간에 서로 다른 코어에서 실제로 실행되는 것.
        - 고루틴으로 짠 Go 프로그램은 동시성 프로그램이고, `GOMAXPROCS`와 하드웨어가 허락하면
          코드 수정 없이 병렬로 돕니다.
        - CPU를 쓰는 일은 병렬성 덕분에 최대 코어 수만큼 빨라집니다.
        """,
    ),
    nxt("02-sync-vs-async", "Synchronous vs asynchronous", "동기와 비동기"),
)

# ---------------------------------------------------------------- 02
lesson(
    "02-sync-vs-async",
    md(
        r"""
        # Synchronous vs asynchronous

        A **synchronous (동기)** call hands you its result when it returns: you call, you wait
        until the work is done, then you go on. Three synchronous calls in a row take the sum of
        their times.

        An **asynchronous (비동기)** call only *starts* the work and returns at once; the result
        arrives later by some other route — in Go, usually a channel. You can start all three,
        then collect the three results, and the total is about the time of the slowest one.

        A common description says asynchronous work runs "in parallel". It doesn't have to. The
        last part of this lesson runs the asynchronous version on a single CPU and it is just as
        fast, because the calls spend their time *waiting*, and waiting needs no CPU.
        """,
        r"""
        # 동기와 비동기

        **동기(synchronous)** 호출은 함수가 돌아올 때 결과를 함께 돌려줍니다. 부르고, 일이 끝날
        때까지 기다렸다가, 그다음 일을 합니다. 그래서 동기 호출 세 번을 이어서 하면 걸리는 시간은
        셋을 더한 만큼입니다.

        **비동기(asynchronous)** 호출은 일을 *시작만* 시켜 놓고 바로 돌아옵니다. 결과는 나중에 다른
        길로 도착하는데, Go에서는 보통 채널이 그 길입니다. 세 개를 모두 시작해 놓고 결과 세 개를
        모으면, 전체 시간은 가장 느린 하나의 시간과 비슷해집니다.

        흔히 비동기 작업은 "병렬로 실행된다"고들 설명합니다. 꼭 그렇지는 않습니다. 이 장의
        마지막에서는 비동기 버전을 CPU 하나로 돌려 보는데, 그래도 똑같이 빠릅니다. 호출들이
        시간을 *기다리는 데* 쓰고 있고, 기다리는 데는 CPU가 필요 없기 때문입니다.
        """,
    ),
    md(
        r"""
        `fetch` pretends to be a slow network call: it sleeps, then returns a string. The three
        "fetches" take 300, 200 and 100 ms.
        """,
        r"""
        `fetch`는 느린 네트워크 호출인 척하는 함수입니다. 잠깐 잠들었다가 문자열을 돌려줍니다.
        세 번의 "가져오기"는 각각 300, 200, 100 ms가 걸립니다.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "runtime"
            "time"

            "gokernel/timeline"
        )

        type request struct {
            name  string
            delay time.Duration
        }

        requests := []request{
            {"users", 300 * time.Millisecond},
            {"orders", 200 * time.Millisecond},
            {"prices", 100 * time.Millisecond},
        }

        func fetch(r request) string {
            time.Sleep(r.delay)
            return r.name + " ready"
        }
        """
    ),
    md(
        r"""
        ## Synchronous: one after another

        Each call returns its result, and the next call starts only after that. The total is
        300 + 200 + 100 = 600 ms, plus a little.
        """,
        r"""
        ## 동기: 하나씩 차례로

        호출마다 결과를 돌려받고 나서야 다음 호출이 시작됩니다. 전체 시간은 300 + 200 + 100 =
        600 ms에 약간 더한 정도입니다.
        """,
    ),
    code(
        r"""
        start := time.Now()
        for _, r := range requests {
            fmt.Println(fetch(r))
        }
        sequential := time.Since(start)
        fmt.Println("synchronous total:", sequential.Round(10*time.Millisecond))
        """
    ),
    md(
        r"""
        ## Asynchronous: start all, collect later

        `go` starts each fetch and returns immediately; each result is sent on the channel
        `results` when it is ready. The results come back in the order they finish — fastest
        first — not in the order we asked. The total is about the slowest fetch, 300 ms.
        """,
        r"""
        ## 비동기: 모두 시작해 놓고 나중에 모으기

        `go`는 가져오기를 시작시키고 바로 돌아옵니다. 결과는 준비되는 대로 `results` 채널로
        보내집니다. 그래서 결과는 요청한 순서가 아니라 끝난 순서, 즉 빠른 것부터 도착합니다.
        전체 시간은 가장 느린 가져오기와 비슷한 300 ms 정도입니다.
        """,
    ),
    code(
        r"""
        func fetchAll(reqs []request) time.Duration {
            start := time.Now()
            results := make(chan string)
            for _, r := range reqs {
                go func() { results <- fetch(r) }()
            }
            for i := 0; i < len(reqs); i++ {
                fmt.Println(<-results)
            }
            return time.Since(start)
        }

        async := fetchAll(requests)
        fmt.Println("asynchronous total:", async.Round(10*time.Millisecond))
        """
    ),
    md(
        r"""
        ## Asynchronous is not parallel

        Now the asynchronous version again, on **one** CPU (`GOMAXPROCS(1)`), drawn on a
        timeline. The dotted bars are goroutines sleeping; the striped bar is `main` waiting for
        results. All three fetches overlap in time, on one CPU: while a goroutine sleeps it
        doesn't use the CPU at all, so nothing needs to run in parallel. This is concurrency
        without parallelism, and it is what asynchronous I/O gives you.
        """,
        r"""
        ## 비동기는 병렬이 아니다

        이번에는 비동기 버전을 CPU **하나**(`GOMAXPROCS(1)`)로 돌리면서 타임라인에 그려 봅니다.
        점무늬 막대는 잠자는 고루틴, 빗금 막대는 결과를 기다리는 `main`입니다. CPU가 하나뿐인데도
        세 가져오기가 시간상 겹칩니다. 잠자는 고루틴은 CPU를 전혀 쓰지 않으니, 애초에 병렬로
        돌릴 것이 없습니다. 병렬성 없는 동시성이고, 비동기 I/O가 주는 이점이 바로 이것입니다.
        """,
    ),
    code(
        r"""
        func fetchAllTraced(reqs []request, procs int) (*timeline.Timeline, time.Duration) {
            old := runtime.GOMAXPROCS(procs)
            defer runtime.GOMAXPROCS(old)
            tl := timeline.New()
            start := time.Now()
            results := make(chan string)
            for _, r := range reqs {
                lane := tl.Lane("fetch " + r.name)
                go func() {
                    lane.Sleep(r.delay)
                    results <- r.name + " ready"
                }()
            }
            main := tl.Lane("main")
            for i := 0; i < len(reqs); i++ {
                main.Wait(func() { main.Mark(<-results) })
            }
            took := time.Since(start)
            tl.Stop()
            return tl, took
        }

        tl1, took1 := fetchAllTraced(requests, 1)
        fmt.Println("asynchronous on GOMAXPROCS(1):", took1.Round(10*time.Millisecond))
        tl1
        """
    ),
    md(
        r"""
        What asynchrony can't do on one CPU is make *computing* faster. Below, three tasks each
        count for a while instead of sleeping, started asynchronously in the same way. On
        `GOMAXPROCS(1)` the total is the sum of the three — the same as doing them one after
        another. Asynchronous structure plus several cores gives parallelism (lesson 1); without
        the cores it only helps with waiting.
        """,
        r"""
        그렇다고 CPU 하나에서 비동기로 *계산*까지 빨라지지는 않습니다. 아래에서는 세 작업이 잠자는
        대신 한동안 숫자를 세는데, 시작하는 방식은 위와 똑같이 비동기입니다. `GOMAXPROCS(1)`에서는
        전체 시간이 셋을 더한 만큼, 곧 하나씩 차례로 했을 때와 같습니다. 비동기 구조에 코어
        여러 개가 더해져야 병렬성이 생기고(1장), 코어가 없으면 기다림에만 도움이 됩니다.
        """,
    ),
    code(
        r"""
        func spin(n int) int {
            s := 0
            for i := 0; i < n; i++ {
                s += i % 7
            }
            return s
        }

        func computeAll(procs int) time.Duration {
            old := runtime.GOMAXPROCS(procs)
            defer runtime.GOMAXPROCS(old)
            start := time.Now()
            done := make(chan int)
            for i := 0; i < 3; i++ {
                go func() { done <- spin(4000000) }()
            }
            for i := 0; i < 3; i++ {
                <-done
            }
            return time.Since(start)
        }

        start = time.Now()
        spin(4000000)
        single := time.Since(start)
        three := computeAll(1)
        fmt.Println("one computation:", single.Round(10*time.Millisecond))
        fmt.Println("three computations, async, GOMAXPROCS(1):", three.Round(10*time.Millisecond))
        fmt.Printf("ratio: %.1f (3 would mean no overlap at all)\n", float64(three)/float64(single))
        """
    ),
    md(
        r"""
        ## Try it

        1. Add a fourth request, `{"stock", 400 * time.Millisecond}`, to `requests` and rerun
           the cells. Predict first: the synchronous total grows to about 1000 ms, the
           asynchronous one to about 400 ms.
        2. In `fetchAll`, make the channel buffered: `make(chan string, len(reqs))`. Nothing
           changes in the totals: the buffer only lets a finished fetch drop its result off
           without waiting for `main` to take it.
        3. Call `fetchAllTraced(requests, runtime.NumCPU())` and compare the picture with the one
           above. It is the same: for waiting, more CPUs change nothing.
        """,
        r"""
        ## 해 보기

        1. `requests`에 네 번째 요청 `{"stock", 400 * time.Millisecond}`를 넣고 셀들을 다시
           실행해 보세요. 먼저 예상해 봅시다. 동기 합계는 1000 ms쯤으로, 비동기 합계는
           400 ms쯤으로 늘어날 것입니다.
        2. `fetchAll`의 채널을 버퍼 있는 채널 `make(chan string, len(reqs))`로 바꿔 보세요.
           합계는 그대로입니다. 버퍼는 일을 마친 고루틴이 `main`이 가져갈 때까지 기다리지 않고
           결과를 놓고 갈 수 있게 해 줄 뿐입니다.
        3. `fetchAllTraced(requests, runtime.NumCPU())`를 불러 위 그림과 비교해 보세요. 똑같습니다.
           기다리는 일에는 CPU가 많아도 달라지는 것이 없습니다.
        """,
    ),
    md(
        r"""
        ## Recap

        - Synchronous: the call returns with the result; calls in a row add up.
        - Asynchronous: the call starts the work and the result comes later (here, on a channel);
          independent calls overlap, and the total is about the longest one.
        - Asynchronous is about *not waiting in sequence*, not about CPUs: waiting overlaps even
          on one CPU, computing does not.
        """,
        r"""
        ## 정리

        - 동기: 호출이 결과를 들고 돌아옵니다. 이어서 부르면 시간이 더해집니다.
        - 비동기: 호출은 일을 시작만 시키고, 결과는 나중에(여기서는 채널로) 옵니다. 서로
          상관없는 호출들이 겹치므로 전체 시간은 가장 긴 하나와 비슷합니다.
        - 비동기의 핵심은 *줄줄이 기다리지 않는 것*이지 CPU 개수가 아닙니다. 기다림은 CPU 하나에서도
          겹치지만, 계산은 겹치지 않습니다.
        """,
    ),
    nxt("03-blocking-vs-nonblocking", "Blocking vs non-blocking", "블로킹과 논블로킹"),
)

# ---------------------------------------------------------------- 03
lesson(
    "03-blocking-vs-nonblocking",
    md(
        r"""
        # Blocking vs non-blocking

        A **blocking (블로킹)** operation makes the caller wait until it can complete: a receive
        from an empty channel, `time.Sleep`, locking a mutex someone else holds, reading a
        socket with no data yet. The goroutine is parked and does nothing else meanwhile.

        A **non-blocking (논블로킹)** operation answers at once — "here is the value" or "not
        yet" — and the caller decides what to do next. Between the two sit the practical
        middle grounds: wait, but only so long (**timeout**), or wait until someone tells you to
        stop (**cancellation**).

        This is a different question from lesson 2. Synchronous/asynchronous asks *how the
        result gets back to you*; blocking/non-blocking asks *whether you wait at the point of
        the call*. The end of this lesson fills all four combinations with running code.
        """,
        r"""
        # 블로킹과 논블로킹

        **블로킹(blocking)** 연산은 끝날 수 있을 때까지 호출한 쪽을 기다리게 합니다. 빈 채널에서
        값을 받을 때, `time.Sleep`, 다른 고루틴이 잡고 있는 뮤텍스를 잠글 때, 아직 데이터가 없는
        소켓을 읽을 때가 그렇습니다. 그동안 그 고루틴은 멈춰 서서 다른 일을 하지 못합니다.

        **논블로킹(non-blocking)** 연산은 곧바로 답합니다. "값 여기 있어" 아니면 "아직이야".
        그다음에 무엇을 할지는 호출한 쪽이 정합니다. 실제로는 그 중간쯤도 자주 씁니다. 기다리긴
        하되 정해진 시간까지만 기다리는 **타임아웃(timeout)**, 그리고 누가 그만하라고 할 때까지
        기다리는 **취소(cancellation)**입니다.

        2장과는 다른 질문이라는 점에 주의하세요. 동기/비동기는 *결과가 어떤 길로 돌아오는가*를
        묻고, 블로킹/논블로킹은 *호출한 그 자리에서 기다리는가*를 묻습니다. 이 장 끝에서는 네
        가지 조합을 모두 실행되는 코드로 채워 봅니다.
        """,
    ),
    code(
        r"""
        import (
            "context"
            "fmt"
            "sync"
            "time"

            "gokernel/timeline"
        )

        func spin(n int) int {
            s := 0
            for i := 0; i < n; i++ {
                s += i % 7
            }
            return s
        }

        func parcel(after time.Duration) chan string {
            ch := make(chan string, 1)
            go func() {
                time.Sleep(after)
                ch <- "parcel"
            }()
            return ch
        }
        """
    ),
    md(
        r"""
        ## Blocking: wait at the door

        `parcel` returns a channel that gets a value after 200 ms. Receiving from it blocks:
        `main` stands still (striped bar) until the value arrives.
        """,
        r"""
        ## 블로킹: 문 앞에서 기다리기

        `parcel`은 200 ms 뒤에 값이 들어오는 채널을 돌려줍니다. 여기서 값을 받으면 블로킹됩니다.
        값이 올 때까지 `main`은 꼼짝없이 서 있습니다(빗금 막대).
        """,
    ),
    code(
        r"""
        blockingTL := timeline.New()
        me := blockingTL.Lane("main")
        door := parcel(200 * time.Millisecond)
        var got string
        me.Wait(func() { got = <-door })
        me.Mark("got " + got)
        blockingTL
        """
    ),
    md(
        r"""
        ## Non-blocking: check and carry on

        A `select` with a `default` case never waits: if no value is ready, `default` runs.
        `tryReceive` uses it to peek into the channel. `main` checks, does a slice of other work
        when there is nothing (green), and checks again. The number of checks depends on the
        machine's speed; yours may differ.
        """,
        r"""
        ## 논블로킹: 확인하고 하던 일 계속하기

        `default`가 있는 `select`는 절대 기다리지 않습니다. 준비된 값이 없으면 `default`가
        실행됩니다. `tryReceive`는 이것으로 채널을 슬쩍 들여다봅니다. `main`은 확인해 보고,
        아무것도 없으면 다른 일을 조금 하고(초록 막대), 다시 확인합니다. 확인 횟수는 컴퓨터
        속도에 따라 달라지니 여러분의 결과와 다를 수 있습니다.
        """,
    ),
    code(
        r"""
        func tryReceive(ch chan string) (string, bool) {
            select {
            case v := <-ch:
                return v, true
            default:
                return "", false
            }
        }

        pollTL := timeline.New()
        poller := pollTL.Lane("main")
        mailbox := parcel(200 * time.Millisecond)
        checks := 0
        for {
            v, ok := tryReceive(mailbox)
            checks++
            if ok {
                poller.Mark("got " + v)
                break
            }
            poller.Run(func() { spin(300000) })
        }
        fmt.Println("checked the mailbox", checks, "times, working in between")
        pollTL
        """
    ),
    md(
        r"""
        ## Timeout: wait, but not forever

        `select` over the channel and `time.After(limit)` takes whichever comes first. A parcel
        due in 50 ms arrives within a 100 ms limit; one due in 300 ms does not, and the caller
        gives up after 100 ms instead of blocking for the full 300. Giving up stops the
        *waiting*, not the work: the late parcel still turns up at 300 ms (the last line receives
        it, blocking). Stopping the work itself is what cancellation is for.
        """,
        r"""
        ## 타임아웃: 기다리되 한없이는 아니게

        채널과 `time.After(limit)`를 함께 `select`하면 먼저 온 쪽을 고릅니다. 50 ms 뒤에 올
        소포는 100 ms 제한 안에 도착하고, 300 ms 뒤에 올 소포는 그렇지 못합니다. 이때 호출한
        쪽은 300 ms를 다 기다리지 않고 100 ms에서 포기합니다. 다만 포기로 멈추는 것은 *기다림*이지
        일 자체가 아닙니다. 늦은 소포는 300 ms에 결국 도착합니다(마지막 줄이 블로킹으로 받아 봅니다).
        일 자체를 멈추게 하려면 다음에 볼 취소가 필요합니다.
        """,
    ),
    code(
        r"""
        func receiveWithin(ch chan string, limit time.Duration) string {
            select {
            case v := <-ch:
                return "got " + v
            case <-time.After(limit):
                return "gave up after " + limit.String()
            }
        }

        t0 := time.Now()
        fmt.Println(receiveWithin(parcel(50*time.Millisecond), 100*time.Millisecond), "-", time.Since(t0).Round(10*time.Millisecond))
        t0 = time.Now()
        late := parcel(300 * time.Millisecond)
        fmt.Println(receiveWithin(late, 100*time.Millisecond), "-", time.Since(t0).Round(10*time.Millisecond))
        fmt.Println("the late parcel still arrives:", <-late, "-", time.Since(t0).Round(10*time.Millisecond))
        """
    ),
    md(
        r"""
        ## Cancellation: stop when told

        A `context.Context` carries a "stop now" signal to every goroutine that was given it.
        Two workers count in small steps and check `ctx.Done()` between steps, without blocking
        (a `select` with `default` again). After 150 ms `main` calls `cancel()`; both workers
        notice at their next check and return. The step counts vary from run to run.
        """,
        r"""
        ## 취소: 그만하라고 하면 멈추기

        `context.Context`는 "이제 그만" 신호를 그것을 넘겨받은 모든 고루틴에 전해 줍니다. 두
        워커가 조금씩 숫자를 세면서, 한 걸음마다 블로킹 없이 `ctx.Done()`을 확인합니다(역시
        `default`가 있는 `select`). 150 ms 뒤 `main`이 `cancel()`을 부르면, 두 워커는 다음
        확인에서 이를 알아채고 돌아옵니다. 걸음 수는 실행할 때마다 다릅니다.
        """,
    ),
    code(
        r"""
        func countUntilCancelled(ctx context.Context, lane *timeline.Lane) (int, error) {
            steps := 0
            for {
                select {
                case <-ctx.Done():
                    return steps, ctx.Err()
                default:
                }
                lane.Run(func() { spin(100000) })
                steps++
            }
        }

        func cancelAfter(d time.Duration) *timeline.Timeline {
            tl := timeline.New()
            ctx, cancel := context.WithCancel(context.Background())
            var wg sync.WaitGroup
            for _, name := range []string{"worker 1", "worker 2"} {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    steps, err := countUntilCancelled(ctx, tl.Lane(name))
                    fmt.Println(name, "stopped after", steps, "steps:", err)
                }()
            }
            boss := tl.Lane("main")
            boss.Sleep(d)
            boss.Mark("cancel()")
            cancel()
            boss.Wait(wg.Wait)
            tl.Stop()
            return tl
        }

        cancelAfter(150 * time.Millisecond)
        """
    ),
    md(
        r"""
        ## Two different axes

        Blocking/non-blocking and synchronous/asynchronous are independent, so there are four
        combinations. Each cell below is one square of this table.

        | | **blocking** (the caller waits) | **non-blocking** (the caller doesn't wait) |
        |---|---|---|
        | **synchronous** (result comes back from the call) | ① an ordinary function call | ② `TryLock`: an immediate yes or no |
        | **asynchronous** (result comes later, another way) | ③ start work, then wait for its result right away | ④ start work, keep going; a callback delivers the result |

        All four use the same slow job: `slowSquare` takes 100 ms.
        """,
        r"""
        ## 서로 다른 두 축

        블로킹/논블로킹과 동기/비동기는 서로 독립이라서, 조합이 네 가지 나옵니다. 아래 셀 하나가
        이 표의 한 칸입니다.

        | | **블로킹** (호출한 쪽이 기다림) | **논블로킹** (호출한 쪽이 안 기다림) |
        |---|---|---|
        | **동기** (결과가 호출의 반환값으로 옴) | ① 평범한 함수 호출 | ② `TryLock`: 된다/안 된다를 바로 답함 |
        | **비동기** (결과가 나중에 다른 길로 옴) | ③ 일을 시켜 놓고 곧장 결과를 기다림 | ④ 일을 시켜 놓고 할 일 계속; 콜백이 결과를 전해 줌 |

        네 칸 모두 같은 느린 일을 씁니다. `slowSquare`는 100 ms가 걸립니다.
        """,
    ),
    code(
        r"""
        func slowSquare(x int) int {
            time.Sleep(100 * time.Millisecond)
            return x * x
        }

        func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }

        start := time.Now()
        r := slowSquare(7)
        fmt.Println("1 sync + blocking: got", r, "after", since(start))
        """
    ),
    code(
        r"""
        var mu sync.Mutex
        mu.Lock()
        start = time.Now()
        gotLock := mu.TryLock()
        fmt.Println("2 sync + non-blocking: TryLock while held says", gotLock, "after", since(start))
        mu.Unlock()
        gotLock = mu.TryLock()
        fmt.Println("2 sync + non-blocking: TryLock when free says", gotLock)
        mu.Unlock()
        """
    ),
    code(
        r"""
        start = time.Now()
        future := make(chan int, 1)
        go func() { future <- slowSquare(8) }()
        fmt.Println("3 async + blocking: started after", since(start), "- now waiting")
        r = <-future
        fmt.Println("3 async + blocking: got", r, "after", since(start))
        """
    ),
    code(
        r"""
        func squareLater(x int, callback func(int)) {
            go func() { callback(slowSquare(x)) }()
        }

        var wg sync.WaitGroup
        start = time.Now()
        wg.Add(1)
        squareLater(9, func(r int) {
            fmt.Println("4 async + non-blocking: callback got", r, "after", since(start))
            wg.Done()
        })
        for i := 1; i <= 3; i++ {
            fmt.Println("4 async + non-blocking: caller doing its own work", i, "at", since(start))
            time.Sleep(20 * time.Millisecond)
        }
        wg.Wait()
        """
    ),
    md(
        r"""
        (The `wg.Wait()` at the end of square ④ is there only to keep the callback's line in
        this cell's output; the caller itself never waited for the result.)

        ## Try it

        1. In the cancellation cell, call `cancelAfter(400 * time.Millisecond)`: the workers take
           about twice as many steps before stopping.
        2. Replace `context.WithCancel(context.Background())` with
           `context.WithTimeout(context.Background(), 50*time.Millisecond)` (and keep the rest).
           Now the workers stop on their own after 50 ms, before `main` cancels, and the error
           reads `context deadline exceeded` instead of `context canceled`.
        3. In square ④, make the caller's loop run 10 times. The callback's line now appears in
           the middle of the caller's lines, at about 100 ms: the result arrives while the
           caller is busy.
        """,
        r"""
        (④번 칸 끝의 `wg.Wait()`는 콜백이 찍는 줄을 이 셀의 출력에 붙잡아 두려고 넣었을
        뿐입니다. 호출한 쪽은 결과를 한 번도 기다리지 않았습니다.)

        ## 해 보기

        1. 취소 셀에서 `cancelAfter(400 * time.Millisecond)`를 불러 보세요. 워커들이 멈추기 전까지
           걸음 수가 두 배쯤으로 늘어납니다.
        2. `context.WithCancel(context.Background())`를
           `context.WithTimeout(context.Background(), 50*time.Millisecond)`로 바꿔 보세요(나머지는
           그대로). 이제 워커들은 `main`이 취소하기 전에 50 ms가 지나면 스스로 멈추고, 오류도
           `context canceled`가 아니라 `context deadline exceeded`로 바뀝니다.
        3. ④번 칸에서 호출한 쪽의 반복을 10번으로 늘려 보세요. 콜백 줄이 100 ms쯤, 호출한 쪽이 찍는
           줄들 사이에 끼어 나옵니다. 호출한 쪽이 바쁘게 일하는 동안 결과가 도착한 것입니다.
        """,
    ),
    md(
        r"""
        ## Recap

        - Blocking: the caller waits where it is (receive, sleep, lock). Non-blocking: it gets an
          answer at once, possibly "not yet" (`select` with `default`, `TryLock`).
        - In between: a timeout (`select` with `time.After`) and cancellation (`context`).
        - Blocking/non-blocking (do I wait here?) and synchronous/asynchronous (how does the
          result come back?) are separate questions; all four combinations exist.
        """,
        r"""
        ## 정리

        - 블로킹: 호출한 쪽이 그 자리에서 기다립니다(받기, 잠자기, 잠그기). 논블로킹: 곧바로
          답을 듣습니다. "아직"이라는 답일 수도 있습니다(`default`가 있는 `select`, `TryLock`).
        - 그 사이에 타임아웃(`time.After`와 함께 쓰는 `select`)과 취소(`context`)가 있습니다.
        - 블로킹/논블로킹(여기서 기다리나?)과 동기/비동기(결과가 어떻게 돌아오나?)는 다른
          질문이고, 네 가지 조합이 모두 있습니다.
        """,
    ),
    nxt("04-thread-vs-process", "Thread vs process", "스레드와 프로세스"),
)

# ---------------------------------------------------------------- 04
lesson(
    "04-thread-vs-process",
    md(
        r"""
        # Thread vs process

        A **process (프로세스)** is a running program with its own memory. Two processes can't
        see each other's variables; to cooperate they must send bytes through something the
        operating system provides: a pipe, a file, a socket.

        A **thread (스레드)** is a line of execution inside a process. All threads of a process
        share its memory: any of them can read and write any variable. That makes cooperation
        cheap — and makes it easy to get wrong, when two threads update the same variable at
        once.

        Go code doesn't create threads directly. It starts **goroutines**, and the Go runtime
        runs them on a small number of OS threads. Goroutines share memory like threads do (so
        everything said about shared memory applies), but they are far cheaper than threads,
        and far, far cheaper than processes.
        """,
        r"""
        # 스레드와 프로세스

        **프로세스(process)**는 실행 중인 프로그램 하나이고, 자기만의 메모리를 가집니다. 두
        프로세스는 서로의 변수를 볼 수 없습니다. 함께 일하려면 운영체제가 마련해 둔 통로, 곧
        파이프나 파일, 소켓으로 바이트를 주고받아야 합니다.

        **스레드(thread)**는 한 프로세스 안에서 돌아가는 실행 흐름입니다. 같은 프로세스의
        스레드들은 메모리를 함께 씁니다. 어느 스레드든 어떤 변수든 읽고 쓸 수 있죠. 그래서 협력은
        쉽지만, 두 스레드가 같은 변수를 한꺼번에 고치면 일이 쉽게 틀어집니다.

        Go 코드는 스레드를 직접 만들지 않습니다. **고루틴**을 띄우면 Go 런타임이 그것들을 몇 개
        안 되는 OS 스레드 위에서 돌립니다. 고루틴은 스레드처럼 메모리를 공유하므로 공유 메모리에
        관한 이야기는 고루틴에도 그대로 적용됩니다. 하지만 만드는 비용은 스레드보다 훨씬 싸고,
        프로세스와는 비교도 안 될 만큼 쌉니다.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "io"
            "os"
            "os/exec"
            "runtime"
            "strings"
            "sync"
            "sync/atomic"
            "time"
        )
        """
    ),
    md(
        r"""
        ## Goroutines share memory

        The goroutine reads `secret`, which `main` defined, and changes it; `main` sees the
        change. No copying, no messages: it is the same variable.
        """,
        r"""
        ## 고루틴은 메모리를 공유한다

        고루틴이 `main`에서 정의한 `secret`을 읽고, 바꿉니다. 그러면 `main`도 바뀐 값을 봅니다.
        복사도 메시지도 없습니다. 말 그대로 같은 변수입니다.
        """,
    ),
    code(
        r"""
        secret := "set by main"
        done := make(chan bool)
        go func() {
            fmt.Println("the goroutine reads:", secret)
            secret = "changed by the goroutine"
            done <- true
        }()
        <-done
        fmt.Println("main reads:", secret)
        """
    ),
    md(
        r"""
        ## The price of sharing: lost updates

        Four goroutines each add 1 to a shared counter 1,000 times, so the total should be
        4,000. But `counter = counter + 1` is really three steps: read, add, write. If another
        goroutine writes between my read and my write, my write throws its update away. The
        `runtime.Gosched()` between the read and the write invites exactly that (without it the
        window is tiny and the loss rare, but real). The exact total varies; it is far below 4,000.
        """,
        r"""
        ## 공유의 대가: 사라지는 갱신

        고루틴 네 개가 공유 카운터에 각각 1,000번씩 1을 더합니다. 합계는 4,000이어야 하죠.
        그런데 `counter = counter + 1`은 사실 읽고, 더하고, 쓰는 세 단계입니다. 내가 읽은 뒤
        쓰기 전에 다른 고루틴이 값을 써 버리면, 내 쓰기가 그 갱신을 덮어서 없애 버립니다. 읽기와
        쓰기 사이의 `runtime.Gosched()`가 바로 그 틈을 벌려 줍니다(이 줄이 없으면 틈이 아주
        좁아서 드물게 일어나지만, 일어나기는 합니다). 정확한 합계는 그때그때 다르지만 4,000에
        한참 못 미칩니다.
        """,
    ),
    code(
        r"""
        const goroutines = 4
        const perGoroutine = 1000

        func countUnsafely() int {
            counter := 0
            var wg sync.WaitGroup
            for g := 0; g < goroutines; g++ {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    for i := 0; i < perGoroutine; i++ {
                        v := counter
                        runtime.Gosched()
                        counter = v + 1
                    }
                }()
            }
            wg.Wait()
            return counter
        }

        fmt.Println("expected:", goroutines*perGoroutine)
        fmt.Println("without a lock:", countUnsafely())
        """
    ),
    md(
        r"""
        Two fixes. A `sync.Mutex` lets one goroutine at a time through the read-add-write (the
        `Gosched` is still there, inside the lock, and no longer hurts). `atomic.Int64` does the
        whole read-add-write as one indivisible step. Both always give 4,000.
        """,
        r"""
        고치는 방법은 두 가지입니다. `sync.Mutex`는 읽고-더하고-쓰는 구간에 한 번에 한 고루틴만
        들어가게 합니다(`Gosched`는 잠금 안에 그대로 있지만 더는 해가 되지 않습니다).
        `atomic.Int64`는 읽고-더하고-쓰기 전체를 쪼갤 수 없는 한 걸음으로 처리합니다. 둘 다 언제나
        4,000이 나옵니다.
        """,
    ),
    code(
        r"""
        func countWithMutex() int {
            counter := 0
            var mu sync.Mutex
            var wg sync.WaitGroup
            for g := 0; g < goroutines; g++ {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    for i := 0; i < perGoroutine; i++ {
                        mu.Lock()
                        v := counter
                        runtime.Gosched()
                        counter = v + 1
                        mu.Unlock()
                    }
                }()
            }
            wg.Wait()
            return counter
        }

        func countAtomically() int64 {
            var counter atomic.Int64
            var wg sync.WaitGroup
            for g := 0; g < goroutines; g++ {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    for i := 0; i < perGoroutine; i++ {
                        counter.Add(1)
                        runtime.Gosched()
                    }
                }()
            }
            wg.Wait()
            return counter.Load()
        }

        fmt.Println("with a mutex:", countWithMutex())
        fmt.Println("with atomic.Int64:", countAtomically())
        """
    ),
    md(
        r"""
        ## A child process shares nothing

        `os/exec` starts another program — here the shell `sh` — as a **child process**. It has
        its own process ID (`$$` in the shell) and its own memory: the variable `secret` of our
        program simply doesn't exist there (the shell prints an empty value).
        """,
        r"""
        ## 자식 프로세스는 아무것도 공유하지 않는다

        `os/exec`로 다른 프로그램을 **자식 프로세스**로 띄웁니다. 여기서는 셸 `sh`입니다. 자식은
        자기만의 프로세스 ID(셸에서는 `$$`)와 자기만의 메모리를 가집니다. 우리 프로그램의 변수
        `secret`은 거기에 아예 없습니다(셸은 빈 값을 찍습니다).
        """,
    ),
    code(
        r"""
        fmt.Println("this program's PID:", os.Getpid())
        fmt.Println("secret here:", secret)
        child := exec.Command("sh", "-c", `echo "child PID: $$ (its parent: $PPID)"; echo "secret in the child: [$secret]"`)
        childOut, err := child.CombinedOutput()
        fmt.Print(string(childOut))
        if err != nil {
            fmt.Println("error:", err)
        }
        """
    ),
    md(
        r"""
        To talk to a process you send it bytes. Here a pipe connects our program to the child's
        standard input and another pipe brings its standard output back. The child reads a line,
        shouts it back in capitals, and exits.
        """,
        r"""
        프로세스와 이야기하려면 바이트를 보내야 합니다. 여기서는 파이프 하나가 우리 프로그램을
        자식의 표준 입력에 잇고, 또 하나의 파이프가 자식의 표준 출력을 돌려받습니다. 자식은 한
        줄을 읽어서 대문자로 바꿔 돌려주고 끝납니다.
        """,
    ),
    code(
        r"""
        func askChild(line string) string {
            cmd := exec.Command("sh", "-c", `read line; echo "child $$ heard: $line" | tr a-z A-Z`)
            in, _ := cmd.StdinPipe()
            out, _ := cmd.StdoutPipe()
            if err := cmd.Start(); err != nil {
                return err.Error()
            }
            fmt.Fprintln(in, line)
            in.Close()
            reply, _ := io.ReadAll(out)
            cmd.Wait()
            return strings.TrimSpace(string(reply))
        }

        askChild(fmt.Sprint("hello from process ", os.Getpid()))
        """
    ),
    md(
        r"""
        ## A goroutine is not an OS thread

        Start 10,000 goroutines that all wait on a channel, and count them with
        `runtime.NumGoroutine()`. Then count the operating system's threads of this process
        (read from `/proc/self/status`, so only on Linux; elsewhere it prints -1): a handful.
        The Go runtime multiplexes many goroutines onto few threads. Starting a goroutine takes
        microseconds even interpreted (well under one in compiled Go); starting a process takes
        about a millisecond, a hundred times more.
        Your numbers will differ.
        """,
        r"""
        ## 고루틴은 OS 스레드가 아니다

        채널에서 기다리기만 하는 고루틴을 10,000개 띄우고 `runtime.NumGoroutine()`으로 세어
        봅니다. 그다음 이 프로세스의 운영체제 스레드 수를 셉니다(`/proc/self/status`를 읽으므로
        리눅스에서만 되고, 다른 곳에서는 -1이 찍힙니다). 몇 개 되지 않습니다. Go 런타임은 많은
        고루틴을 적은 수의 스레드에 나눠 태웁니다. 고루틴 하나를 띄우는 데는 인터프리터에서도
        몇 µs면 충분하고(컴파일된 Go에서는 1 µs도 안 걸립니다), 프로세스 하나를 띄우는 데는 1 ms
        안팎, 그러니까 백 배쯤 더 듭니다. 숫자는 컴퓨터마다
        다릅니다.
        """,
    ),
    code(
        r"""
        func osThreads() int {
            data, err := os.ReadFile("/proc/self/status")
            if err != nil {
                return -1
            }
            for _, line := range strings.Split(string(data), "\n") {
                if strings.HasPrefix(line, "Threads:") {
                    n := -1
                    fmt.Sscan(strings.TrimPrefix(line, "Threads:"), &n)
                    return n
                }
            }
            return -1
        }

        before := runtime.NumGoroutine()
        release := make(chan struct{})
        var parked sync.WaitGroup
        goStart := time.Now()
        for i := 0; i < 10000; i++ {
            parked.Add(1)
            go func() {
                defer parked.Done()
                <-release
            }()
        }
        goCost := time.Since(goStart) / 10000
        fmt.Println("goroutines before:", before, "- now:", runtime.NumGoroutine())
        fmt.Println("OS threads in this process:", osThreads())
        close(release)
        parked.Wait()

        procStart := time.Now()
        for i := 0; i < 20; i++ {
            exec.Command("true").Run()
        }
        procCost := time.Since(procStart) / 20
        fmt.Println("starting one goroutine:", goCost)
        fmt.Println("starting one process:  ", procCost.Round(time.Microsecond))
        """
    ),
    md(
        r"""
        ## Try it

        1. In `countUnsafely`, delete the `runtime.Gosched()` line and rerun a few times. The
           total is now often right, sometimes a little short: the bug didn't go away, it just
           hides better. That is why data races are feared.
        2. In `countWithMutex`, move `mu.Unlock()` to just before `runtime.Gosched()` (so the
           write happens outside the lock). Updates get lost again: the lock must cover the whole
           read-add-write.
        3. Change 10000 to 100000 goroutines. The count grows tenfold; the thread count does not.
        """,
        r"""
        ## 해 보기

        1. `countUnsafely`에서 `runtime.Gosched()` 줄을 지우고 몇 번 다시 실행해 보세요. 이제는
           합계가 맞을 때가 많고, 가끔 조금 모자랍니다. 버그가 없어진 것이 아니라 더 잘 숨은
           것입니다. 데이터 경쟁(data race)이 무서운 이유가 이것입니다.
        2. `countWithMutex`에서 `mu.Unlock()`을 `runtime.Gosched()` 바로 앞으로 옮겨 보세요(쓰기가
           잠금 밖으로 나갑니다). 갱신이 다시 사라집니다. 잠금은 읽고-더하고-쓰는 전체를 감싸야
           합니다.
        3. 고루틴 수를 10000에서 100000으로 바꿔 보세요. 고루틴 수는 열 배가 되지만 스레드 수는
           그대로입니다.
        """,
    ),
    md(
        r"""
        ## Recap

        - Processes have separate memory and talk through the OS (pipes, files, sockets);
          starting one is expensive.
        - Threads — and goroutines — share their process's memory: cheap to cooperate, easy to
          corrupt; protect shared data with a mutex or atomics (or share it by sending it on
          channels).
        - A goroutine is not an OS thread: Go runs thousands of goroutines on a few threads.
        """,
        r"""
        ## 정리

        - 프로세스는 메모리가 따로따로이고, 운영체제를 거쳐(파이프, 파일, 소켓) 이야기합니다.
          띄우는 비용이 큽니다.
        - 스레드와 고루틴은 프로세스의 메모리를 함께 씁니다. 협력은 싸지만 데이터가 망가지기
          쉬우니, 공유 데이터는 뮤텍스나 atomic으로 지키세요(아니면 채널로 보내서 나눠 쓰세요).
        - 고루틴은 OS 스레드가 아닙니다. Go는 수천 개의 고루틴을 몇 개의 스레드 위에서 돌립니다.
        """,
    ),
    nxt("05-coroutine", "Coroutines", "코루틴"),
)

# ---------------------------------------------------------------- 05
lesson(
    "05-coroutine",
    md(
        r"""
        # Coroutines

        A **coroutine (코루틴)** is a function that can pause in the middle — at a point the code
        marks explicitly, a `yield` — hand a value and control back to its caller, and later
        continue from exactly where it paused. Caller and coroutine take strict turns: while one
        runs, the other does not. Nobody interrupts anybody; each side decides when to give up
        control. Python's generators and `async def`, Kotlin's `suspend` functions and Lua's
        coroutines work this way.

        Coroutines are often called "light threads", and in Go one might think a goroutine is
        one. It is not. A goroutine runs *on its own*: it doesn't wait to be asked, it may run
        at the same time as its creator on another core, and the scheduler can stop it anywhere
        (**preemption**) without any yield in its code. This lesson puts the two side by side.

        Go has real coroutines under the hood of `iter.Pull`; the notebook package
        `gokernel/coro` exposes them: `coro.New(func(yield func(any) bool) {...})` makes a
        generator, `Next()` runs it until its next `yield`.
        """,
        r"""
        # 코루틴

        **코루틴(coroutine)**은 실행 도중에 멈출 수 있는 함수입니다. 코드에 명시한 지점, 곧
        `yield`에서 멈추며 값과 실행 흐름을 호출한 쪽에 넘겨주고, 나중에 멈췄던 바로 그 자리부터
        다시 이어 갑니다. 호출한 쪽과 코루틴은 엄격하게 차례를 지킵니다. 한쪽이 도는 동안 다른
        쪽은 돌지 않습니다. 누가 누구를 끼어들어 멈추게 하지도 않고, 언제 양보할지는 각자 정합니다.
        파이썬의 제너레이터와 `async def`, 코틀린의 `suspend` 함수, 루아의 코루틴이 이렇게
        움직입니다.

        코루틴을 흔히 "가벼운 스레드"라고 부르다 보니, Go의 고루틴이 곧 코루틴이라고 생각하기
        쉽습니다. 그렇지 않습니다. 고루틴은 *알아서* 돕니다. 누가 불러 주기를 기다리지 않고,
        자신을 만든 쪽과 다른 코어에서 동시에 돌 수도 있으며, 코드에 `yield`가 하나도 없어도
        스케줄러가 아무 데서나 멈춰 세울 수 있습니다(**선점**, preemption). 이 장에서는 둘을
        나란히 놓고 비교합니다.

        Go에도 진짜 코루틴이 `iter.Pull` 밑에 숨어 있습니다. 노트북용 패키지 `gokernel/coro`가
        그것을 꺼내 줍니다. `coro.New(func(yield func(any) bool) {...})`로 제너레이터를 만들고,
        `Next()`를 부르면 다음 `yield`까지 실행됩니다.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "runtime"
            "time"

            "gokernel/coro"
            "gokernel/timeline"
        )

        func spin(n int) int {
            s := 0
            for i := 0; i < n; i++ {
                s += i % 7
            }
            return s
        }
        """
    ),
    md(
        r"""
        ## A generator as a coroutine

        Follow the lines: creating the generator runs none of its code. Each `Next()` runs it up
        to the next `yield`, and the caller continues only after that. The lines alternate
        strictly, the same way every time.
        """,
        r"""
        ## 코루틴으로 만든 제너레이터

        출력된 줄을 따라가 보세요. 제너레이터를 만드는 것만으로는 그 코드가 한 줄도 실행되지
        않습니다. `Next()`를 부를 때마다 다음 `yield`까지 실행되고, 그다음에야 호출한 쪽이 이어
        갑니다. 줄들은 엄격하게 번갈아 찍히고, 몇 번을 실행해도 순서가 같습니다.
        """,
    ),
    code(
        r"""
        countdown := coro.New(func(yield func(any) bool) {
            for i := 3; i >= 1; i-- {
                fmt.Println("  generator: yield", i)
                if !yield(i) {
                    return
                }
                fmt.Println("  generator: resumed")
            }
            fmt.Println("  generator: finished")
        })
        fmt.Println("caller: created the generator")
        for {
            v, ok := countdown.Next()
            if !ok {
                break
            }
            fmt.Println("caller: got", v)
        }
        fmt.Println("caller: done")
        """
    ),
    md(
        r"""
        ## The same with a goroutine and a channel

        A goroutine sending on a channel also produces values one by one — but it doesn't wait
        to be asked. Here the channel has room for three values, and the caller sleeps 10 ms
        before reading: the goroutine has already produced everything and finished before the
        caller takes the first value.
        """,
        r"""
        ## 고루틴과 채널로 같은 일을 하면

        채널로 값을 보내는 고루틴도 값을 하나씩 만들어 냅니다. 하지만 누가 달라고 하기를
        기다리지 않습니다. 여기서는 채널에 값 세 개가 들어갈 자리가 있고, 호출한 쪽은 읽기 전에
        10 ms를 잡니다. 호출한 쪽이 첫 값을 꺼내기도 전에 고루틴은 이미 값을 다 만들고 끝나 버립니다.
        """,
    ),
    code(
        r"""
        func countdownChan() chan int {
            ch := make(chan int, 3)
            go func() {
                for i := 3; i >= 1; i-- {
                    fmt.Println("  goroutine: send", i)
                    ch <- i
                }
                fmt.Println("  goroutine: finished")
                close(ch)
            }()
            return ch
        }

        values := countdownChan()
        fmt.Println("caller: started the goroutine")
        time.Sleep(10 * time.Millisecond)
        for v := range values {
            fmt.Println("caller: got", v)
        }
        fmt.Println("caller: done")
        """
    ),
    md(
        r"""
        ## Turn-taking, measured

        Now both sides do real work between values, and the timeline records it, with all CPU
        cores allowed. With the coroutine, the caller's green bars and the generator's never
        overlap — even with free cores, only one of them runs at a time; the striped bars are
        the caller waiting inside `Next()`. With the goroutine, the two run side by side.
        """,
        r"""
        ## 차례 지키기를 재 보기

        이번에는 양쪽 모두 값 사이사이에 실제로 일을 하고, 그것을 타임라인에 기록합니다. CPU
        코어는 전부 쓸 수 있게 둡니다. 코루틴에서는 호출한 쪽과 제너레이터의 초록 막대가 절대
        겹치지 않습니다. 코어가 남아도 한 번에 한쪽만 돕니다. 빗금 막대는 호출한 쪽이 `Next()`
        안에서 기다리는 시간입니다. 고루틴에서는 두 쪽이 나란히 돕니다.
        """,
    ),
    code(
        r"""

        func withCoroutine() *timeline.Timeline {
            tl := timeline.New()
            caller, producer := tl.Lane("caller"), tl.Lane("generator")
            gen := coro.New(func(yield func(any) bool) {
                for i := 0; i < 6; i++ {
                    producer.Run(func() { spin(200000) })
                    if !yield(i) {
                        return
                    }
                }
            })
            for {
                ok := false
                caller.Wait(func() { _, ok = gen.Next() })
                if !ok {
                    break
                }
                caller.Run(func() { spin(200000) })
            }
            tl.Stop()
            return tl
        }

        coroTL := withCoroutine()
        fmt.Printf("coroutine: both sides running at once %.0f%% of the time\n", coroTL.Overlap())
        coroTL
        """
    ),
    code(
        r"""
        func withGoroutine() *timeline.Timeline {
            tl := timeline.New()
            caller, producer := tl.Lane("caller"), tl.Lane("goroutine")
            ch := make(chan int, 6)
            go func() {
                for i := 0; i < 6; i++ {
                    producer.Run(func() { spin(200000) })
                    ch <- i
                }
                close(ch)
            }()
            for {
                ok := false
                caller.Wait(func() { _, ok = <-ch })
                if !ok {
                    break
                }
                caller.Run(func() { spin(200000) })
            }
            tl.Stop()
            return tl
        }

        goTL := withGoroutine()
        fmt.Printf("goroutine: both sides running at once %.0f%% of the time\n", goTL.Overlap())
        goTL
        """
    ),
    md(
        r"""
        ## Preemption: a goroutine doesn't have to yield

        A coroutine that never yields keeps its caller waiting forever. A goroutine is different.
        Below, on a **single** CPU (`GOMAXPROCS(1)`), one goroutine counts for a long time with
        no yield, no channel, no sleep in its loop. Meanwhile `main` wakes up every 10 ms and
        makes a mark. The marks keep coming while the spinner spins: the Go scheduler stops the
        spinner from the outside to let `main` run. How many ticks land during the spin depends
        on the machine.
        """,
        r"""
        ## 선점: 고루틴은 양보하지 않아도 된다

        한 번도 `yield`하지 않는 코루틴은 호출한 쪽을 영원히 기다리게 합니다. 고루틴은 다릅니다.
        아래에서는 CPU **하나**(`GOMAXPROCS(1)`)에서 고루틴 하나가 오랫동안 숫자를 셉니다. 반복문
        안에 양보도, 채널도, 잠자기도 없습니다. 그동안 `main`은 10 ms마다 깨어나 표시(mark)를
        남깁니다. 스피너가 도는 중에도 표시는 계속 찍힙니다. Go 스케줄러가 밖에서 스피너를 멈춰
        세우고 `main`을 돌려 주기 때문입니다. 도는 동안 몇 번 찍히는지는 컴퓨터마다 다릅니다.
        """,
    ),
    code(
        r"""
        func preempted() *timeline.Timeline {
            old := runtime.GOMAXPROCS(1)
            defer runtime.GOMAXPROCS(old)
            tl := timeline.New()
            finished := make(chan time.Duration)
            start := time.Now()
            go func() {
                tl.Lane("spinner").Run(func() { spin(4000000) })
                finished <- time.Since(start)
            }()
            ticker := tl.Lane("main")
            ticks := 0
            var spinEnd time.Duration
            waiting := true
            for waiting {
                select {
                case d := <-finished:
                    spinEnd = d
                    waiting = false
                default:
                    time.Sleep(10 * time.Millisecond)
                    ticks++
                    ticker.Mark(fmt.Sprint(ticks))
                }
            }
            tl.Stop()
            fmt.Println("main ticked", ticks, "times while the spinner ran for", spinEnd.Round(time.Millisecond))
            return tl
        }

        preempted()
        """
    ),
    md(
        r"""
        ## Try it

        1. In the countdown cell, stop early: replace the `for` loop with two calls,
           `fmt.Println(countdown.Next())` twice, then `countdown.Stop()`. The generator's
           `yield` returns false and it returns without printing "finished" — a coroutine can be
           abandoned at a yield point, cleanly.
        2. In `countdownChan`, make the channel unbuffered: `make(chan int)`. The goroutine can
           now get only one value ahead of the caller — closer to turn-taking, but still not
           strict: the order of the lines may differ between runs.
        3. In `withGoroutine`, add `runtime.GOMAXPROCS(1)` at the start (and
           `defer runtime.GOMAXPROCS(runtime.NumCPU())`). The bars stop overlapping, but for a
           different reason than with the coroutine: there is one CPU, not a rule of turns.
        """,
        r"""
        ## 해 보기

        1. 카운트다운 셀에서 중간에 멈춰 봅시다. `for` 반복문 대신 `fmt.Println(countdown.Next())`를
           두 번 부르고 `countdown.Stop()`을 부르세요. 제너레이터의 `yield`가 false를 돌려받고,
           "finished"를 찍지 않은 채 돌아옵니다. 코루틴은 yield 지점에서 깔끔하게 그만두게 할 수
           있습니다.
        2. `countdownChan`의 채널을 버퍼 없는 `make(chan int)`로 바꿔 보세요. 이제 고루틴은 호출한
           쪽보다 값 하나만큼만 앞서 갈 수 있습니다. 차례 지키기에 가까워지지만 엄격하지는 않아서,
           줄 순서가 실행할 때마다 다를 수 있습니다.
        3. `withGoroutine` 맨 앞에 `runtime.GOMAXPROCS(1)`을 넣어 보세요(그리고
           `defer runtime.GOMAXPROCS(runtime.NumCPU())`도). 막대가 더는 겹치지 않지만, 이유는
           코루틴과 다릅니다. 차례를 지키는 규칙 때문이 아니라 CPU가 하나뿐이기 때문입니다.
        """,
    ),
    md(
        r"""
        ## Recap

        - A coroutine runs only when resumed and stops only where it yields: strict turns with
          its caller, never at the same time, never interrupted.
        - A goroutine runs on its own: it works ahead without being asked, runs in parallel with
          its creator, and is preempted by the scheduler without yielding.
        - So a goroutine is not a coroutine, and "a coroutine is a light thread" is a loose
          description: coroutines give up control by themselves; threads and goroutines have it
          taken away.
        """,
        r"""
        ## 정리

        - 코루틴은 다시 불러 줄 때만 돌고, `yield`한 곳에서만 멈춥니다. 호출한 쪽과 엄격하게
          차례를 지키며, 동시에 돌지도 않고 남에게 끊기지도 않습니다.
        - 고루틴은 알아서 돕니다. 부르지 않아도 앞서 일하고, 자신을 만든 쪽과 병렬로 돌고,
          양보하지 않아도 스케줄러에게 선점당합니다.
        - 그러니 고루틴은 코루틴이 아니고, "코루틴은 가벼운 스레드"라는 말은 느슨한 설명입니다.
          코루틴은 스스로 실행을 내주고, 스레드와 고루틴은 실행을 빼앗깁니다.
        """,
    ),
    nxt("06-how-they-relate", "How they relate", "서로 어떤 관계인가"),
)

# ---------------------------------------------------------------- 06
lesson(
    "06-how-they-relate",
    md(
        r"""
        # How they relate

        The words of the earlier lessons answer different questions about the same program:

        - **Concurrency / parallelism (동시성 / 병렬성)**: are several tasks in progress at once,
          and do they actually execute at the same instant?
        - **Synchronous / asynchronous (동기 / 비동기)**: does a call hand back its result, or is
          the result delivered later?
        - **Blocking / non-blocking (블로킹 / 논블로킹)**: does the caller wait where it is?
        - **Thread / process (스레드 / 프로세스)**: what runs the tasks, and do they share
          memory? (In Go: goroutines, sharing one process's memory.)
        - **Coroutine (코루틴)**: a task that runs only in turns it hands over itself.

        One ordinary Go pattern touches nearly all of them: a **worker pool**. `main` sends
        jobs on a channel; N worker goroutines each take a job, "fetch" it (sleep: waiting for
        I/O) and "parse" it (spin: CPU work, in small steps with a `runtime.Gosched()` between
        them, as in lesson 1, so the turns are easy to see), and send a result back.
        """,
        r"""
        # 서로 어떤 관계인가

        앞 장들에서 본 용어들은 같은 프로그램에 대해 서로 다른 질문을 던집니다.

        - **동시성 / 병렬성(concurrency / parallelism)**: 여러 작업이 함께 진행 중인가, 그리고
          정말 같은 순간에 실행되는가?
        - **동기 / 비동기(synchronous / asynchronous)**: 호출이 결과를 들고 돌아오는가, 결과가
          나중에 따로 오는가?
        - **블로킹 / 논블로킹(blocking / non-blocking)**: 호출한 쪽이 그 자리에서 기다리는가?
        - **스레드 / 프로세스(thread / process)**: 무엇이 작업을 실행하고, 메모리를 함께 쓰는가?
          (Go에서는 한 프로세스의 메모리를 함께 쓰는 고루틴입니다.)
        - **코루틴(coroutine)**: 스스로 넘겨주는 차례에만 도는 작업.

        흔히 쓰는 Go 패턴 하나가 이 용어들 거의 전부와 닿아 있습니다. 바로 **워커 풀(worker
        pool)**입니다. `main`이 채널로 일감을 보내면, 워커 고루틴 N개가 일감을 하나씩 가져가
        "가져오기"(잠자기: I/O를 기다리는 시간)와 "해석하기"(숫자 세기: CPU 작업)를 하고 결과를
        돌려보냅니다. 해석하기는 1장에서처럼 작은 토막으로 나누고 토막 사이에 `runtime.Gosched()`를
        넣어서, 차례가 바뀌는 모습이 잘 보이게 했습니다.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "runtime"
            "sync"
            "time"

            "gokernel/timeline"
        )

        func spin(n int) int {
            s := 0
            for i := 0; i < n; i++ {
                s += i % 7
            }
            return s
        }


        func pool(workers, procs, jobs int) *timeline.Timeline {
            old := runtime.GOMAXPROCS(procs)
            defer runtime.GOMAXPROCS(old)
            tl := timeline.New()
            start := time.Now()
            jobQueue := make(chan int)
            results := make(chan string)
            var wg sync.WaitGroup
            for w := 1; w <= workers; w++ {
                lane := tl.Lane(fmt.Sprint("worker ", w))
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    for job := range jobQueue {
                        lane.Do(timeline.Sleeping, "fetch", func() { time.Sleep(30 * time.Millisecond) })
                        for step := 0; step < 10; step++ {
                            lane.Run(func() { spin(50000) })
                            runtime.Gosched()
                        }
                        results <- fmt.Sprint("job ", job, " by worker ", w)
                    }
                }()
            }
            go func() {
                for job := 1; job <= jobs; job++ {
                    jobQueue <- job
                }
                close(jobQueue)
                wg.Wait()
                close(results)
            }()
            var done []string
            tl.Lane("main").Wait(func() {
                for r := range results {
                    done = append(done, r)
                }
            })
            tl.Stop()
            fmt.Printf("jobs done: %d, workers: %d, GOMAXPROCS(%d), time: %v, parses overlapping: %.0f%% of the time\n",
                len(done), workers, procs, time.Since(start).Round(10*time.Millisecond), tl.Overlap())
            return tl
        }
        """
    ),
    md(
        r"""
        ## One worker: no concurrency

        With one worker, jobs go strictly one after another: fetch, parse, fetch, parse. Each
        fetch is a blocking wait during which the CPU has nothing to do.
        """,
        r"""
        ## 워커 하나: 동시성 없음

        워커가 하나면 일감은 하나씩 차례로 처리됩니다. 가져오고, 해석하고, 또 가져오고, 해석하고.
        가져오기는 블로킹 대기라서 그동안 CPU는 할 일이 없습니다.
        """,
    ),
    code(
        r"""
        pool(1, 1, 8)
        """
    ),
    md(
        r"""
        ## Four workers, one CPU: concurrency

        Four workers on `GOMAXPROCS(1)`. The fetches (dots) overlap freely — waiting needs no
        CPU — but no two parses (green) ever run at the same instant: there is one CPU. The
        whole run gets much shorter anyway, because one worker's waiting is filled by another's
        parsing. This is concurrency without parallelism, and it is why asynchronous I/O pays
        off even on one core.
        """,
        r"""
        ## 워커 넷, CPU 하나: 동시성

        `GOMAXPROCS(1)`에서 워커 네 개를 돌립니다. 가져오기(점무늬)는 마음껏 겹칩니다. 기다리는 데는
        CPU가 필요 없으니까요. 하지만 해석하기(초록)는 두 개가 같은 순간에 돌지 못합니다. CPU가
        하나뿐이니까요. 그래도 전체 시간은 크게 줄어듭니다. 한 워커가 기다리는 시간을 다른
        워커의 해석이 채워 주기 때문입니다. 병렬성 없는 동시성이고, 코어가 하나여도 비동기
        I/O가 이득인 이유입니다.
        """,
    ),
    code(
        r"""
        pool(4, 1, 8)
        """
    ),
    md(
        r"""
        ## Four workers, all CPUs: concurrency and parallelism

        The same code on every core. Now parses overlap too (up to the number of cores), and the
        run gets shorter again. Nothing in the program changed: parallelism came from the
        hardware, on top of the concurrent structure. Timings vary between runs.
        """,
        r"""
        ## 워커 넷, CPU 전부: 동시성과 병렬성

        같은 코드를 모든 코어에서 돌립니다. 이제 해석하기도 (코어 수만큼) 겹치고, 전체 시간이 한
        번 더 줄어듭니다. 프로그램은 하나도 바뀌지 않았습니다. 동시성 구조 위에 하드웨어가
        병렬성을 얹어 준 것입니다. 시간은 실행할 때마다 조금씩 다릅니다.
        """,
    ),
    code(
        r"""
        pool(4, runtime.NumCPU(), 8)
        """
    ),
    md(
        r"""
        ## Where each word shows up

        | word | in the pool |
        |---|---|
        | concurrency | four workers in progress at once, with any number of CPUs |
        | parallelism | parses overlapping, only when `GOMAXPROCS` > 1 |
        | asynchronous | `main` doesn't call workers; it hands jobs over a channel and results arrive later on another |
        | blocking | a worker waits on `range jobQueue` when there is no job, and during its fetch; `main` waits on `results` |
        | threads, not processes | all workers are goroutines of one process; they could share memory, but pass results on channels instead |
        | not coroutines | nobody hands turns over: workers run whenever they can, and are preempted when they run too long |

        ## Try it

        1. Run `pool(8, 1, 8)` and `pool(8, runtime.NumCPU(), 8)`. On one CPU the parses are the
           bottleneck: more workers can't make 8 × 25 ms of CPU work take less than about
           200 ms. With all cores, they can.
        2. Make the fetch longer (`300 * time.Millisecond`) and compare `pool(1, 1, 8)` with
           `pool(8, 1, 8)`: when a job is mostly waiting, concurrency alone gives almost an
           eight-fold speedup on one CPU.
        """,
        r"""
        ## 용어마다 어디에 나타나나

        | 용어 | 워커 풀에서는 |
        |---|---|
        | 동시성 | CPU가 몇 개든 워커 네 개가 함께 진행 중 |
        | 병렬성 | 해석하기가 겹침. `GOMAXPROCS`가 1보다 클 때만 |
        | 비동기 | `main`은 워커를 호출하지 않고 채널로 일감을 넘기며, 결과는 나중에 다른 채널로 도착 |
        | 블로킹 | 일감이 없으면 워커는 `range jobQueue`에서, 가져오는 동안은 그 자리에서 기다림. `main`은 `results`에서 기다림 |
        | 프로세스가 아닌 스레드 | 워커는 모두 한 프로세스의 고루틴. 메모리를 함께 쓸 수도 있지만 결과는 채널로 넘김 |
        | 코루틴은 아님 | 누구도 차례를 넘겨주지 않음. 워커는 돌 수 있으면 돌고, 오래 돌면 선점당함 |

        ## 해 보기

        1. `pool(8, 1, 8)`과 `pool(8, runtime.NumCPU(), 8)`을 실행해 보세요. CPU가 하나면 해석하기가
           병목입니다. 워커를 아무리 늘려도 8 × 25 ms의 CPU 작업을 200 ms쯤보다 빨리 끝낼 수는
           없습니다. 코어를 다 쓰면 가능합니다.
        2. 가져오기를 길게(`300 * time.Millisecond`) 바꾸고 `pool(1, 1, 8)`과 `pool(8, 1, 8)`을
           비교해 보세요. 일감 대부분이 기다림이라면, CPU 하나에서도 동시성만으로 여덟 배 가까이
           빨라집니다.
        """,
    ),
    md(
        r"""
        ## Recap

        - The pairs are independent questions about one program: how tasks overlap (concurrency,
          parallelism), how results come back (sync, async), whether callers wait (blocking,
          non-blocking), what runs them and what they share (threads, processes), who decides
          when to switch (coroutines: the code; goroutines: the scheduler).
        - Concurrency is the structure; it pays off for waiting on any machine, and for computing
          when there are cores to run in parallel.
        """,
        r"""
        ## 정리

        - 각 짝은 한 프로그램에 던지는 서로 독립된 질문입니다. 작업이 어떻게 겹치는가(동시성,
          병렬성), 결과가 어떻게 돌아오는가(동기, 비동기), 호출한 쪽이 기다리는가(블로킹,
          논블로킹), 무엇이 실행하고 무엇을 함께 쓰는가(스레드, 프로세스), 전환은 누가 정하는가
          (코루틴은 코드가, 고루틴은 스케줄러가).
        - 동시성은 구조입니다. 기다리는 일에는 어떤 컴퓨터에서든 이득이고, 계산하는 일에는 병렬로
          돌릴 코어가 있을 때 이득입니다.
        """,
    ),
    nxt("07-analogies", "Analogies", "비유로 이해하기"),
)

# ---------------------------------------------------------------- 07
lesson(
    "07-analogies",
    md(
        r"""
        # Analogies

        Analogies help you remember; experiments keep them honest. Each analogy below comes with
        a few lines of Go that act it out. Run them in order.
        """,
        r"""
        # 비유로 이해하기

        비유는 기억을 돕고, 실험은 비유가 엇나가지 않게 잡아 줍니다. 아래 비유마다 그 장면을
        그대로 연기하는 몇 줄짜리 Go 코드를 붙였습니다. 차례대로 실행해 보세요.
        """,
    ),
    code(
        r"""
        import (
            "fmt"
            "os/exec"
            "runtime"
            "sync"
            "time"

            "gokernel/coro"
        )

        func spin(n int) int {
            s := 0
            for i := 0; i < n; i++ {
                s += i % 7
            }
            return s
        }

        func people(procs int, names ...string) time.Duration {
            old := runtime.GOMAXPROCS(procs)
            defer runtime.GOMAXPROCS(old)
            start := time.Now()
            var wg sync.WaitGroup
            for _, name := range names {
                wg.Add(1)
                go func() {
                    defer wg.Done()
                    for page := 1; page <= 3; page++ {
                        spin(300000)
                        fmt.Print(name, page, " ")
                        runtime.Gosched()
                    }
                }()
            }
            wg.Wait()
            fmt.Println()
            return time.Since(start)
        }
        """
    ),
    md(
        r"""
        ## Concurrency: people sharing one table

        Three people with one table between them: only one can write at a time, so they take
        turns — a page by Ana, a page by Ben, a page by Cho. All three jobs are in progress;
        none is finished before the others start. (`GOMAXPROCS(1)` is the one table. The order
        of the turns may differ on your run.)
        """,
        r"""
        ## 동시성: 테이블 하나를 나눠 쓰는 사람들

        세 사람이 테이블 하나를 두고 일합니다. 한 번에 한 사람만 쓸 수 있으니 돌아가며 씁니다.
        Ana가 한 장, Ben이 한 장, Cho가 한 장. 세 사람의 일이 모두 진행 중이고, 누구의 일도 다른
        사람이 시작하기 전에 끝나지 않습니다. (`GOMAXPROCS(1)`이 그 테이블 하나입니다. 차례의
        순서는 실행할 때마다 다를 수 있습니다.)
        """,
    ),
    code(
        r"""
        oneTable := people(1, "Ana", "Ben", "Cho")
        fmt.Println("one table:", oneTable.Round(time.Millisecond))
        """
    ),
    md(
        r"""
        ## Parallelism: a table each

        Give everyone a table (all CPU cores) and they write at the same time; with two people
        and two or more cores the job takes about half as long. The analogy's limit: tables are
        cores, and you can't seat more people at once than you have tables.
        """,
        r"""
        ## 병렬성: 사람마다 테이블 하나씩

        사람마다 테이블을 하나씩 주면(CPU 코어 전부) 모두 같은 시간에 씁니다. 두 사람에 코어가
        둘 이상이면 시간이 절반쯤으로 줍니다. 이 비유의 한계도 기억하세요. 테이블은 코어이고,
        테이블보다 많은 사람이 한꺼번에 앉을 수는 없습니다.
        """,
    ),
    code(
        r"""
        shared := people(1, "Ana", "Ben")
        own := people(runtime.NumCPU(), "Ana", "Ben")
        fmt.Println("two people, one table:", shared.Round(time.Millisecond))
        fmt.Println("two people, a table each:", own.Round(time.Millisecond))
        """
    ),
    md(
        r"""
        ## Synchronous and blocking: standing at the counter

        You order a coffee and stand at the counter until it's handed to you; only then do you
        make your toast. The call gives you the result, and you wait for it.
        """,
        r"""
        ## 동기이면서 블로킹: 카운터 앞에 서서 기다리기

        커피를 주문하고 받을 때까지 카운터 앞에 서 있습니다. 커피를 받은 다음에야 토스트를 굽죠.
        호출이 결과를 건네주고, 그동안 나는 기다립니다.
        """,
    ),
    code(
        r"""
        func brew() string {
            time.Sleep(150 * time.Millisecond)
            return "coffee"
        }

        func toast() string {
            time.Sleep(100 * time.Millisecond)
            return "toast"
        }

        t0 := time.Now()
        breakfast := []string{brew(), toast()}
        fmt.Println(breakfast, "after", time.Since(t0).Round(10*time.Millisecond))
        """
    ),
    md(
        r"""
        ## Asynchronous: the buzzer

        You order, get a buzzer (a channel) and make your toast meanwhile; the coffee arrives
        when the buzzer goes off. Not in parallel by any necessity — the barista's waiting for
        the machine doesn't need your CPU — just not in sequence.
        """,
        r"""
        ## 비동기: 진동벨

        주문하고 진동벨(채널)을 받은 다음, 기다리는 동안 토스트를 굽습니다. 벨이 울리면 커피가
        나온 것이죠. 꼭 병렬이어야 하는 것은 아닙니다. 바리스타가 머신을 기다리는 데 내 CPU가
        필요하지는 않으니까요. 그저 차례차례가 아닐 뿐입니다.
        """,
    ),
    code(
        r"""
        t0 = time.Now()
        buzzer := make(chan string, 1)
        go func() { buzzer <- brew() }()
        made := toast()
        fmt.Println([]string{<-buzzer, made}, "after", time.Since(t0).Round(10*time.Millisecond))
        """
    ),
    md(
        r"""
        ## Blocking vs non-blocking: staring at the buzzer, or glancing at it

        Blocking is staring at the buzzer until it goes off. Non-blocking is glancing at it and
        going back to your book if it's quiet.
        """,
        r"""
        ## 블로킹과 논블로킹: 진동벨만 쳐다보기, 힐끗 보기

        블로킹은 벨이 울릴 때까지 벨만 쳐다보고 있는 것입니다. 논블로킹은 벨을 힐끗 보고, 조용하면
        읽던 책으로 돌아가는 것입니다.
        """,
    ),
    code(
        r"""
        func glance(b chan string) string {
            select {
            case c := <-b:
                return "got the " + c
            default:
                return "still quiet, back to the book"
            }
        }

        bell := make(chan string, 1)
        go func() { bell <- brew() }()
        fmt.Println("glance:", glance(bell))
        fmt.Println("stare:", <-bell)
        """
    ),
    md(
        r"""
        ## Threads and processes: one kitchen, or separate kitchens

        Goroutines (like threads) are cooks in one kitchen with one whiteboard: what one writes,
        the others read. A process is a cook in another building: your whiteboard isn't there,
        and you have to phone (a pipe) to tell them anything.
        """,
        r"""
        ## 스레드와 프로세스: 한 부엌, 따로 떨어진 부엌

        고루틴은 (스레드처럼) 화이트보드 하나가 걸린 한 부엌의 요리사들입니다. 한 사람이 적으면
        다른 사람들이 읽습니다. 프로세스는 다른 건물에 있는 요리사입니다. 우리 화이트보드는
        거기에 없으니, 무언가 알리려면 전화(파이프)를 걸어야 합니다.
        """,
    ),
    code(
        r"""
        whiteboard := "soup of the day: none"
        var cooks sync.WaitGroup
        cooks.Add(1)
        go func() {
            defer cooks.Done()
            whiteboard = "soup of the day: kimchi stew"
        }()
        cooks.Wait()
        fmt.Println("same kitchen reads:", whiteboard)
        other, _ := exec.Command("sh", "-c", `echo "other building reads: [$whiteboard]"`).Output()
        fmt.Print(string(other))
        """
    ),
    md(
        r"""
        ## Coroutine: two cooks, one knife, passed by hand

        A coroutine isn't quite "a lighter worker". It is more like two cooks sharing one knife:
        one chops, hands the knife over, and waits until it comes back. Nobody grabs it; the
        turns are exactly where the hand-overs (`yield`) are.
        """,
        r"""
        ## 코루틴: 칼 하나를 손으로 건네는 두 요리사

        코루틴은 "더 가벼운 일꾼"이라기보다, 칼 하나를 나눠 쓰는 두 요리사에 가깝습니다. 한 사람이
        썰다가 칼을 건네주고, 칼이 돌아올 때까지 기다립니다. 누구도 칼을 빼앗지 않습니다. 차례는
        정확히 건네주는 곳(`yield`)에서만 바뀝니다.
        """,
    ),
    code(
        r"""
        helper := coro.New(func(yield func(any) bool) {
            for _, veg := range []string{"onion", "carrot", "leek"} {
                fmt.Println("  helper chops the", veg, "and hands the knife back")
                if !yield(veg) {
                    return
                }
            }
        })
        for {
            veg, ok := helper.Next()
            if !ok {
                break
            }
            fmt.Println("chef puts the", veg, "in the pot")
        }
        """
    ),
    md(
        r"""
        ## Try it

        1. Seat four people at one table: `people(1, "Ana", "Ben", "Cho", "Dan")`. Then give them
           all the tables: on a 2-core machine the four still need about twice as long as two
           people did — more people than tables means taking turns again.
        2. In the buzzer cell, swap the order: receive `<-buzzer` *before* calling `toast()`.
           The total goes back to about 250 ms: asynchronous start, but you blocked too early.

        ## Recap

        | word | analogy | the cell that acts it out |
        |---|---|---|
        | concurrency | people taking turns at one table | `people(1, ...)` |
        | parallelism | a table each, working at the same time | `people(runtime.NumCPU(), ...)` |
        | synchronous, blocking | standing at the counter | `brew()` then `toast()` |
        | asynchronous | the buzzer | `go` + channel |
        | non-blocking | glancing at the buzzer | `select` with `default` |
        | threads / process | one kitchen with a whiteboard / another building | goroutine vs `exec.Command` |
        | coroutine | a knife handed back and forth | `coro.New` + `yield` |

        Back to the [start page](00-start.ipynb).
        """,
        r"""
        ## 해 보기

        1. 테이블 하나에 네 사람을 앉혀 보세요. `people(1, "Ana", "Ben", "Cho", "Dan")`. 그다음
           테이블을 전부 내주세요. 코어가 2개인 컴퓨터라면 네 사람은 여전히 두 사람일 때보다 두 배쯤
           걸립니다. 테이블보다 사람이 많으면 다시 돌아가며 써야 하니까요.
        2. 진동벨 셀에서 순서를 바꿔 `toast()`를 부르기 *전에* `<-buzzer`로 받아 보세요. 전체 시간이
           다시 250 ms쯤으로 늘어납니다. 비동기로 시작했지만 너무 일찍 블로킹한 것입니다.

        ## 정리

        | 용어 | 비유 | 그 장면을 연기하는 셀 |
        |---|---|---|
        | 동시성 | 테이블 하나에서 돌아가며 일하는 사람들 | `people(1, ...)` |
        | 병렬성 | 사람마다 테이블 하나, 같은 시간에 일함 | `people(runtime.NumCPU(), ...)` |
        | 동기, 블로킹 | 카운터 앞에 서서 기다리기 | `brew()` 다음에 `toast()` |
        | 비동기 | 진동벨 | `go`와 채널 |
        | 논블로킹 | 진동벨 힐끗 보기 | `default`가 있는 `select` |
        | 스레드 / 프로세스 | 화이트보드가 있는 한 부엌 / 다른 건물 | 고루틴 대 `exec.Command` |
        | 코루틴 | 주고받는 칼 하나 | `coro.New`와 `yield` |

        [처음으로](00-start.ipynb) 돌아가기.
        """,
    ),
)
