//! Reports: rates with honest intervals, comparisons, the HTML report and every export format.
