// 页面上所有面向读者的文字（简体中文）。键与 en.js 相同。
// `{name}` 是运行时填入的值。

export default {
  lang: 'zh',
  htmlLang: 'zh-CN',
  ui: {
    title: 'synack',
    tagline: '一步一步观看模拟的 Linux 6.18 主机如何建立和关闭 TCP 连接。',
    scenario: '场景',
    language: '语言',
    otherLanguage: 'English',
    start: '开头',
    back: '后退',
    play: '播放',
    pause: '暂停',
    step: '前进',
    end: '结尾',
    position: '第 {cursor} 步，共 {last} 步 · {time}',
    keys: '键盘：空格播放或暂停，← 和 → 单步，Home 和 End 跳到开头或结尾。',
    story: '发生了什么',
    notice: '值得注意',
    outcome: '结果',
    outcomeLater: '走到最后一步即可看到结果。',
    sockets: '套接字（ss -tan 的视角）',
    noSockets: '没有套接字',
    settings: '设置',
    seed: '随机种子',
    newSeed: '换一个种子',
    apply: '应用',
    reset: '恢复默认',
    colState: '状态',
    colLocal: '本端',
    colPeer: '对端',
    colRecvQ: 'Recv-Q',
    colSendQ: 'Send-Q',
    kindRequest: '请求',
    kindTimeWait: '迷你套接字',
    diagramLabel: '时序图：时间自上而下流动',
    injected: '外部注入',
    fold: '⋯ {span} ⋯',
    crashed: '崩溃',
    restarted: '重启',
    held: '被路由器扣留',
    copy: '网络产生的副本',
    inFlight: '在途',
    lost: '丢失',
    timerTitle: '{timer} 定时器，时长 {span}',
    fidelity: '主机运行的是 Linux 6.18（HZ 250）。这里的定时器准时触发；在真实内核上，定时器轮可能让它们晚几毫秒到约 2 秒触发。',
    loading: '正在加载模拟器……',
    loadFailed: '无法加载模拟器：{detail}',
  },
  units: { s: '{n} 秒', ms: '{n} 毫秒', us: '{n} 微秒' },
  timers: {
    TimeWait: 'TIME-WAIT',
    FinWait2: 'FIN-WAIT-2',
    Retransmit: '重传',
    Request: 'SYN-ACK 重传',
    DelayedAck: '延迟 ACK',
  },
  problems: {
    intro: '这个链接中有部分内容无法使用，因此改为显示默认值：',
    unknown_scenario: '没有名为“{value}”的场景（已有：{accepted}）。',
    unknown_name: '没有名为“{name}”的设置。可用的有：{accepted}。',
    bad_value: '“{value}”不是 {name} 的有效取值。可用的取值：{accepted}。',
    not_in_profile: '{profile} 中不存在 {name}：{note}。',
    unknown_host: '这个场景里没有名为“{host}”的主机（主机有：{accepted}）。',
    not_name_value: '“{value}”应写成 名称=值 的形式。',
    too_long: '设置超过了 {max} 个字符。',
    bad_seed: '“{value}”不是有效的种子：请使用小于 2^53 的整数。',
    bad_step: '不存在第 {value} 步（最后一步是 {max}）。',
    bad_version: '这个链接是为格式版本 {value} 生成的，本页面只能读取版本 1。',
    bad_lang: '没有“{value}”这种语言；本页面支持 en 和 zh。',
    no_randomness: '浏览器没有提供生成新种子所需的随机数。',
    internal: '出现了错误：{message}',
  },
  values: [
    [/^TIME-WAIT for (.+) s$/, 'TIME-WAIT 持续 {1} 秒'],
    [/^no TIME-WAIT$/, '没有 TIME-WAIT'],
    [/^true$/, '是'],
    [/^false$/, '否'],
    [/^(.+) at (\d+\.\d+)$/, '{1}（于 {2} 秒）'],
  ],
  scenarios: {
    handshake: {
      title: '三次握手',
      story: [
        '服务器调用 listen()，客户端调用 connect()。客户端的 SYN 在服务器的 SYN 队列中留下一个请求；服务器用一个报文段同时完成两件事：确认客户端的 SYN，并带上自己的 SYN。',
        '客户端的 ACK 完成握手：服务器把请求变成完整的套接字，放入 accept 队列，accept() 再把它交给应用程序。',
      ],
      notice: [
        'SYN-ACK 只是一个报文段：对客户端 SYN 的确认和服务器自己的 SYN 合在一起。',
        '双方各自选择初始序列号；图中像 Wireshark 一样从 0 开始计数。Linux 按 RFC 6528 选择初始序列号：四元组的带密钥哈希加上一个时钟。',
        '服务器的 SYN-RECEIVED 只是 SYN 队列里的一个请求；完整的套接字从第三个报文段开始才存在。',
      ],
      facts: { client_state: '客户端状态', server_state: '服务器状态', client_isn: '客户端 ISN', server_isn: '服务器 ISN' },
    },
    'rst-closed-port': {
      title: '发往未监听端口的 SYN',
      story: [
        '8080 端口上没有任何监听者。服务器的 TCP 用一个带确认的 RST 回应这个 SYN，客户端的 connect() 失败，返回 ECONNREFUSED（“Connection refused”，连接被拒绝）。',
      ],
      notice: [
        'RST 带有 ACK 标志，确认号是 SYN 的序列号加一：正因如此客户端才会接受它（tcp_v4_send_reset）。',
        '设置 listen=1，同样的 SYN 就会得到 SYN-ACK。',
      ],
      facts: { connect: 'connect() 的返回值', server_resets_sent: '服务器发出的 RST 数' },
    },
    'close-four-way': {
      title: '四次挥手',
      story: [
        '客户端先关闭：它发出 FIN，进入 FIN-WAIT-1。服务器的 TCP 自行确认这个 FIN，并告诉应用程序数据流已结束（read() 返回 0）：CLOSE-WAIT。客户端的 FIN 被确认后，进入 FIN-WAIT-2 等待。',
        '半秒之后，服务器的应用程序也关闭了。它发出 FIN，进入 LAST-ACK；客户端确认这个 FIN 并进入 TIME-WAIT，在那里停留 60 秒。',
      ],
      notice: [
        '单独到达的 FIN 由延迟 ACK 定时器在一个 jiffy（HZ 250 时为 4 毫秒）之后确认，而不是立即确认。',
        '只有先关闭的一方保留 TIME-WAIT；另一方在自己的 FIN 被确认后就消失了。',
        '设置 close_delay_ms=0，服务器在那个 jiffy 之内关闭：它的 ACK 搭上了 FIN 的便车，挥手只需三个报文段。',
      ],
      facts: { close_segments: '挥手的报文段数', client: '客户端', server: '服务器' },
    },
    'close-three-way': {
      title: '三个报文段完成的关闭',
      story: [
        '连接上已经传过数据，所以服务器的延迟 ACK 定时器会等待几十毫秒，而不是一个 jiffy。服务器的应用程序在这段等待之内关闭，于是对客户端 FIN 的确认不再单独发送，而是搭在服务器的 FIN 上一起发出。',
      ],
      notice: [
        'FIN、FIN-ACK、ACK：三个报文段而不是四个。这里没有什么特殊的“三次挥手”模式，起作用的就是延迟 ACK。',
        '把 close_delay_ms 调到超过延迟 ACK 的超时，第四个报文段就会回来。',
      ],
      facts: { close_segments: '挥手的报文段数', client: '客户端', server: '服务器' },
    },
    'close-simultaneous': {
      title: '双方同时关闭',
      story: [
        '两端的应用程序在同一时刻调用 shutdown()。两个 FIN 在线路上交错而过，所以每一方都在自己的 FIN 尚未被确认时收到了对方的 FIN：先是 FIN-WAIT-1，然后是 CLOSING。',
        'ACK 到达后，双方都进入 TIME-WAIT。',
      ],
      notice: [
        'CLOSING 只为这种交错而存在：在 FIN-WAIT-1 中收到 FIN。',
        '两端都保留 TIME-WAIT，因为双方都是“先”关闭的。',
        '设置 offset_ms 推迟服务器的关闭，交错就变成了普通的四次挥手。',
      ],
      facts: {
        client_reached_closing: '客户端经过 CLOSING',
        server_reached_closing: '服务器经过 CLOSING',
        client_reached_time_wait: '客户端进入 TIME-WAIT',
        server_reached_time_wait: '服务器进入 TIME-WAIT',
        segments: '报文段数',
      },
    },
    'time-wait-lost-ack': {
      title: 'TIME-WAIT 挽救丢失的最后一个 ACK',
      story: [
        '客户端的最后一个 ACK 丢失了。仍处于 LAST-ACK 的服务器在重传定时器到期时重传它的 FIN。',
        '客户端处于 TIME-WAIT，所以它仍然记得这个连接：它再次确认这个 FIN，并重新开始 60 秒计时。服务器干净地关闭。',
      ],
      notice: [
        '这就是 TIME-WAIT 存在的第一个理由：回应重传的 FIN。',
        '设置 skip_time_wait=1（反事实假设，并不是 Linux 的行为），重传的 FIN 找不到任何套接字：客户端以 RST 回应。',
      ],
      facts: {
        close_segments: '挥手的报文段数',
        client: '客户端',
        server: '服务器',
        client_resets_sent: '客户端发出的 RST 数',
        retransmitted_fin_answered_with: '对重传 FIN 的回应',
      },
    },
    'time-wait-syn': {
      title: '新的 SYN 遇上 TIME-WAIT',
      story: [
        '服务器先关闭，所以由服务器在 TIME-WAIT 中保留这个四元组。客户端又从同一个端口发起连接。',
        '当 SYN 明显是新的时候，Linux 允许它复用处于 TIME-WAIT 的四元组：它的序列号高于旧连接的，或者（开启时间戳时）它的时间戳更新。随后服务器会选择一个高于旧序列号空间的 ISN：旧的 snd_nxt + 65535 + 2。',
      ],
      notice: [
        '旧的重复 SYN（序列号低于旧的 rcv_nxt）不会被放行：它得到的是旧连接的 ACK（tcp_timewait_state_process）。',
        '开启时间戳后，PAWS 比较的是时间戳而不是序列号。',
      ],
      facts: { time_wait_reused: 'SYN 复用了 TIME-WAIT', time_wait_acks: 'TIME-WAIT 发出的 ACK 数', second_connect: '第二次 connect()' },
    },
    'time-wait-rst': {
      title: 'RST 到达 TIME-WAIT',
      story: [
        '客户端进入 TIME-WAIT 五秒后，一个属于旧连接的 RST 到达。RFC 1337 把这称为 TIME-WAIT 暗杀：RST 提前结束了 TIME-WAIT，也一并结束了它的保护。',
        '只有当 tcp_rfc1337=1 时，Linux 才采用该 RFC 给出的修正：在 TIME-WAIT 中忽略所有 RST。',
      ],
      notice: [
        '在 tcp_rfc1337=0（默认值）时，序列号恰好等于 rcv_nxt 的 RST 会立即结束 TIME-WAIT。',
        '序列号为其他值的 RST 在两种设置下都会被忽略（设置 rst_offset 试试）。',
        '设置 tcp_rfc1337=1：RST 被忽略，60 秒完整走完。',
      ],
      facts: { close_segments: '挥手的报文段数', client: '客户端', server: '服务器' },
    },
    'synack-timeout': {
      title: '发出 SYN 后消失的客户端',
      story: [
        '客户端发出 SYN，其主机在 SYN-ACK 到达之前崩溃了。服务器把请求留在 SYN 队列中，请求定时器不断重传 SYN-ACK，每次等待时间加倍：在第一个之后 1、3、7、15、31 秒。',
        '在默认的 tcp_synack_retries=5 下，请求在 63 秒时被丢弃（reqsk_timer_handler）。不会有任何报文告知此事：客户端已经不在了。',
      ],
      notice: [
        '一个请求会占用服务器的 SYN 队列位置整整一分钟：这正是 SYN 洪泛攻击利用的地方。',
        '在服务器上设置 tcp_synack_retries=2，请求 7 秒后就被丢弃。',
        '在真实内核上，定时器轮会让这些定时器稍晚触发（最后几个最多晚约 2 秒）；这里它们准时触发。',
      ],
      facts: { synack_times: 'SYN-ACK 发送时刻', request_dropped_after: '请求被丢弃的时间', syn_queue_left: 'SYN 队列中剩余的请求' },
    },
    'syn-retries': {
      title: '向宕机的主机发起 connect()',
      story: [
        '服务器的主机宕机了，没有任何回应。客户端的 SYN 被重传；自 Linux 6.5 起，前四次重传间隔一秒（tcp_syn_linear_timeouts=4），之后等待时间加倍。',
        '在 tcp_syn_retries=6 下，SYN 在 0、1、2、3、4、5、7、11、19、35、67 秒发出，connect() 在 131 秒时以 ETIMEDOUT 失败。',
      ],
      notice: [
        '很多文章仍然写着 1、2、4、8 秒：那是 Linux 6.5 之前的情况。',
        '设置 tcp_syn_linear_timeouts=0 即为旧的时间表：0、1、3、7、15、31、63 秒，127 秒时 ETIMEDOUT。',
        'tcp_syn_retries 计算的是线性重传之后的重传次数，而且 connect() 也会按时间放弃（tcp_write_timeout）。',
      ],
      facts: { syn_times: 'SYN 发送时刻', connect: 'connect()' },
    },
    'fin-wait-2-timeout': {
      title: '永远不来的 FIN',
      story: [
        '客户端关闭连接；它的 FIN 被确认，于是在 FIN-WAIT-2 中等待服务器的 FIN。服务器的应用程序却一直不关闭。',
        '客户端的应用程序已经放开了这个套接字（成为孤儿），所以 Linux 不会永远等下去：tcp_fin_timeout（60 秒）之后 FIN-WAIT-2 就消失了。当服务器的 FIN 终于到来时，没有任何套接字认识它，得到的回应是 RST。',
      ],
      notice: [
        'tcp_fin_timeout 管的是孤儿套接字的 FIN-WAIT-2，而不是 TIME-WAIT：Linux 上 TIME-WAIT 总是 60 秒。',
        '设置 late_fin_s=10：FIN 在 FIN-WAIT-2 仍在等待时到达，被确认，客户端进入 TIME-WAIT。',
      ],
      facts: { fin_wait_2: 'FIN-WAIT-2', late_fin_answered_with: '对迟到 FIN 的回应' },
    },
    'half-open-crash': {
      title: '客户端崩溃后又回来了',
      story: [
        '客户端在 2 秒时崩溃，3 秒时重新启动。服务器对此一无所知，仍然保持着连接：半开连接。',
        '3.5 秒时客户端从同一个端口再次发起连接。它的 SYN 到达服务器上已建立的连接，服务器回以挑战 ACK（RFC 5961）。处于 SYN-SENT 的客户端用 RST 回应这个 ACK，而这个 RST 恰好落在服务器的窗口内：旧连接被重置，服务器的 read() 以 ECONNRESET 失败。客户端的 SYN 在 8 毫秒后再次发出，连接成功。',
      ],
      notice: [
        '重试发生在两个 jiffy（TCP_TIMEOUT_MIN）之后，而不是一秒的 RTO 之后：Linux 5.6 及以后，SYN-SENT 遇到不可接受的 ACK 时会重新设置 SYN 定时器。',
        '设置 server_writes=1：服务器在客户端宕机时写数据，它的重传到达重启后的客户端，客户端以 RST 回应；之后的重连不再受阻。',
      ],
      facts: { new_connection: '新连接', server_old_connection: '服务器在旧连接上的 read()', challenge_acks: '发出的挑战 ACK 数' },
    },
    'isn-fixed': {
      title: '为什么 ISN 不能固定',
      story: [
        '两台主机对每个连接都使用相同的初始序列号。网络为客户端的 10 个数据报文段各复制了一份，路由器把这些副本扣留 5 秒。',
        '连接关闭后，客户端崩溃（丢失了它的 TIME-WAIT），重启，再从同一个端口发起连接。地址相同、端口相同、ISN 相同：路由器放出副本时，它们与新连接完全吻合，服务器的应用程序读到了新客户端从未发送过的 1000 字节。',
      ],
      notice: [
        '设置 isn=rfc6528（Linux 的做法）：新连接从序列号空间的其他位置开始，副本落在窗口之外。isn=clock（RFC 793 的 4 微秒时钟）和 isn=random 在这里效果相同，但时钟是可以被猜到的（见 isn-predict）。',
        '这里关闭了时间戳：设置 tcp_timestamps=1，无论 ISN 如何，PAWS 都会拒绝这些副本。',
        '把 router_msl_s 设得小于 hold_s：路由器在副本造成危害之前就丢弃了它们。',
      ],
      facts: { stale_copies_released: '路由器放出的副本数', stale_bytes_read_on_connection_2: '新连接上读到的陈旧字节数' },
    },
    'time-wait-stale-data': {
      title: 'TIME-WAIT 比迟到的重复报文活得更久',
      story: [
        '客户端发送 100 字节；网络复制了一份，被路由器扣留 20 秒。客户端先关闭，并立即尝试从同一个端口重新连接。',
        'TIME-WAIT 仍然占着这个四元组，而在没有时间戳时 Linux 不会复用它：connect() 以 EADDRNOTAVAIL 失败，客户端每 10 秒重试一次。等到 TIME-WAIT 结束（60 秒）时，那个副本早已被放出并被拒绝：新连接干干净净地开始。',
      ],
      notice: [
        '设置 skip_time_wait=1（反事实假设，不是 Linux 的行为）：客户端在 1.1 秒重新连上，在固定 ISN 下，副本落进了新连接的窗口。',
        '这就是 TIME-WAIT 存在的第二个理由：60 秒比一个报文段能在网络中存活的时间更长。',
        '设置 router_msl_s=10：路由器在放出副本之前就把它丢弃了。',
      ],
      facts: {
        reconnected_at: '重新连上的时刻',
        reconnects_refused: '被拒绝的重连次数',
        stale_copy: '迟到的副本',
        stale_bytes_read_on_connection_2: '新连接上读到的陈旧字节数',
      },
    },
    'close-unread-data': {
      title: '带着未读数据 close()',
      story: [
        '客户端发送了 100 字节；服务器的应用程序没有读取就关闭了连接。',
        '带着未读数据关闭套接字，会丢掉对端以为已经送达的数据，所以 Linux 不发 FIN，而是发 RST（RFC 2525；tcp_close 计入 TcpExtTCPAbortOnClose），客户端的 read() 以 ECONNRESET 失败。',
      ],
      notice: [
        '这里的 RST 不是网络故障：它告诉客户端，它的数据被丢弃了。',
        '设置 read_first=1：服务器先读取，关闭就是一次普通的 FIN。',
      ],
      facts: { server_close_sent: 'close() 发出的是', client_read: '客户端的 read()', abort_on_close: 'TcpExtTCPAbortOnClose' },
    },
    'so-linger-rst': {
      title: 'SO_LINGER {on, 0}：治 TIME-WAIT 的“药方”',
      story: [
        '客户端把 SO_LINGER 的逗留时间设为 0，写入 20000 字节后立即关闭。逗留时间为 0 就是让 Linux 中止连接：close() 发出 RST 而不是 FIN（__tcp_close 计入 TcpExtTCPAbortOnData），并当场忘掉这个连接。',
        '不会留下 TIME-WAIT，这正是文章推荐它的原因。代价是：客户端发送队列中还没送达的数据被丢弃，服务器的 read() 在读完所有数据之前就以 ECONNRESET 失败。',
      ],
      notice: [
        '服务器只读到了客户端所写数据的一部分：其余的还在途中或尚未发送。',
        '设置 linger=0（普通关闭）：每个字节都会送达，关闭是一次 FIN，客户端保留 60 秒的 TIME-WAIT。',
      ],
      facts: { client_close_sent: '客户端的 close() 发出的是', client_time_wait: '客户端保留了 TIME-WAIT', server_bytes_read: '服务器读到的字节数', server_read_ends_with: '服务器最后一次 read()' },
    },
  },
};
