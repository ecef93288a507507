# overhead.gp — chart of bench/report.py's overhead.dat:
#   gnuplot -e "datafile='overhead.dat'; outfile='overhead.png'; panels=2" overhead.gp
# Blocks: 0 host data, 1 host labels, 2 VM data, 3 VM labels. Per configuration
# three columns: overhead % over the no-agent run of the same round (median of
# rounds), smallest and largest round (the whiskers). Bars beyond the axis are
# cut and labelled with their value.
if (!exists("datafile")) datafile = 'overhead.dat'
if (!exists("outfile")) outfile = 'overhead.png'
if (!exists("panels")) panels = 2

set terminal pngcairo size 1400,1100 font "DejaVu Sans,10" noenhanced
set output outfile
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set bars 0.5
set grid ytics lc rgb "#dddddd"
set ylabel "overhead vs. no agent (%)"
set yrange [-32:75]
set ytics 10
set xtics rotate by -25 nomirror
set key top left horizontal
set xzeroaxis lt -1
set linetype 1 lc rgb "#1f77b4"
set linetype 2 lc rgb "#ff7f0e"
set linetype 3 lc rgb "#2ca02c"
set linetype 4 lc rgb "#d62728"

set multiplot layout panels,1
set title "Host (kernel 6.18): nsguard signal tier vs. bpftrace and auditd — CPU time per operation, median of rounds (whiskers: smallest–largest round)"
plot for [i=2:*:3] datafile index 0 using i:i+1:i+2:xtic(1) title columnhead(i), \
     datafile index 1 using 1:2:3 with labels rotate by 90 left offset 0,0.4 font ",8" notitle
if (panels < 2) { unset multiplot; exit }
set title "VM (Debian 6.1, BPF LSM, software emulation): nsguard lsm tier — median of rounds (whiskers: smallest–largest round)"
plot for [i=2:*:3] datafile index 2 using i:i+1:i+2:xtic(1) title columnhead(i), \
     datafile index 3 using 1:2:3 with labels rotate by 90 left offset 0,0.4 font ",8" notitle
unset multiplot
