# overhead.gp — chart of bench/report.py's overhead.dat:
#   gnuplot -e "datafile='overhead.dat'; outfile='overhead.png'" overhead.gp
# Blocks: 0 host data, 1 host labels, 2 VM data, 3 VM labels. Overhead in %
# over the no-agent run of the same round; bars past +60 % are cut and labelled.
if (!exists("datafile")) datafile = 'overhead.dat'
if (!exists("outfile")) outfile = 'overhead.png'

set terminal pngcairo size 1400,1000 font "DejaVu Sans,10" noenhanced
set output outfile
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb "#dddddd"
set ylabel "overhead vs. no agent (%)"
set yrange [-15:68]
set xtics rotate by -25 nomirror
set key top left horizontal
set xzeroaxis lt -1
set linetype 1 lc rgb "#1f77b4"
set linetype 2 lc rgb "#ff7f0e"
set linetype 3 lc rgb "#2ca02c"
set linetype 4 lc rgb "#d62728"

if (!exists("panels")) panels = 2
set multiplot layout panels,1
set title "Host (kernel 6.18): nsguard signal tier vs. bpftrace and auditd — median of rounds"
plot for [i=2:*] datafile index 0 using i:xtic(1) title columnhead(i), \
     datafile index 1 using 1:2:3 with labels offset 0,0.6 font ",8" notitle
if (panels < 2) { unset multiplot; exit }
set title "VM (Debian 6.1, BPF LSM, software emulation): nsguard lsm tier — median of rounds"
plot for [i=2:*] datafile index 2 using i:xtic(1) title columnhead(i), \
     datafile index 3 using 1:2:3 with labels offset 0,0.6 font ",8" notitle
unset multiplot
