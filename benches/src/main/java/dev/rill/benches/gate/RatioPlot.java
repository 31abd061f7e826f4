package dev.rill.benches.gate;

import dev.rill.benches.gate.Limits.Direction;
import dev.rill.benches.gate.Limits.Kind;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws the gate's figures as a PNG: one panel per rule, a bar for the measured figure (green pass, amber warn, red
 * fail, none when missing) against lines at the limit (red), the warning threshold (amber) and, for ratios, 1
 * (grey: no difference). Each panel has its own scale, since the figures range from 1.01 to tens of microseconds.
 */
public final class RatioPlot {
    static final Color PASS = new Color(0x2e7d32);
    static final Color WARN = new Color(0xef8f00);
    static final Color FAIL = new Color(0xc62828);
    private static final int COLUMNS = 3;
    private static final int PANEL_WIDTH = 380;
    private static final int PANEL_HEIGHT = 300;
    private static final int HEADER = 44;

    private RatioPlot() {
    }

    /** Writes the plot of {@code evaluations} to {@code file}; {@code heading} goes above the panels. */
    public static void write(List<Evaluation> evaluations, String heading, Path file) throws IOException {
        int rows = Math.max(1, (evaluations.size() + COLUMNS - 1) / COLUMNS);
        int columns = Math.min(COLUMNS, Math.max(1, evaluations.size()));
        BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, HEADER + rows * PANEL_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(heading, 12, 28);
            for (int i = 0; i < evaluations.size(); i++) {
                JFreeChart chart = chart(evaluations.get(i));
                Rectangle2D area = new Rectangle2D.Double((i % COLUMNS) * PANEL_WIDTH,
                        HEADER + (i / COLUMNS) * PANEL_HEIGHT, PANEL_WIDTH, PANEL_HEIGHT);
                chart.draw(g, area);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    static JFreeChart chart(Evaluation e) {
        Limits.Rule rule = e.rule();
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        String category = e.verdict().name();
        if (!Double.isNaN(e.value())) {
            data.addValue(e.value(), "measured", category);
        } else {
            data.addValue(null, "measured", category);
        }
        NumberAxis axis = new NumberAxis(rule.kind() == Kind.RATIO ? "ratio" : rule.unit());
        axis.setAutoRangeIncludesZero(false);
        double lo = Math.min(rule.limit(), rule.warn());
        double hi = Math.max(rule.limit(), rule.warn());
        if (rule.kind() == Kind.RATIO) {
            lo = Math.min(lo, 1);
            hi = Math.max(hi, 1);
        } else {
            lo = Math.min(lo, 0);
        }
        if (Double.isFinite(e.value())) {
            lo = Math.min(lo, e.value());
            hi = Math.max(hi, e.value());
        }
        double pad = Math.max((hi - lo) * 0.2, Math.abs(hi) * 0.005);
        double bottom = rule.kind() == Kind.STEP_DIFFERENCE && lo >= 0 ? 0 : lo - pad;
        if (rule.kind() == Kind.RATIO) {
            bottom = Math.max(0, bottom);
        }
        axis.setRange(bottom, hi + pad);
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setMaximumBarWidth(0.35);
        renderer.setBase(bottom);
        renderer.setSeriesPaint(0, switch (e.verdict()) {
            case PASS -> PASS;
            case WARN -> WARN;
            case FAIL, MISSING -> FAIL;
        });
        CategoryPlot plot = new CategoryPlot(data, new org.jfree.chart.axis.CategoryAxis(), axis, renderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(new Color(0xf7f7f7));
        plot.setRangeGridlinePaint(new Color(0xcccccc));
        if (rule.kind() == Kind.RATIO) {
            plot.addRangeMarker(marker(1, "1", Color.GRAY, true, RectangleAnchor.BOTTOM_LEFT, TextAnchor.TOP_LEFT));
        }
        if (rule.warn() != rule.limit()) {
            plot.addRangeMarker(marker(rule.warn(), "warn " + Evaluation.format(rule.warn()), WARN, true,
                    RectangleAnchor.BOTTOM_RIGHT, TextAnchor.TOP_RIGHT));
        }
        plot.addRangeMarker(marker(rule.limit(), "limit " + rule.direction().symbol() + " "
                + Evaluation.format(rule.limit()), FAIL, false, RectangleAnchor.TOP_RIGHT, TextAnchor.BOTTOM_RIGHT));
        JFreeChart chart = new JFreeChart(null, new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new TextTitle(rule.title(), new Font(Font.SANS_SERIF, Font.BOLD, 12)));
        String measured = Double.isNaN(e.value()) ? "missing from the results" : "measured " + e.valueText()
                + (rule.direction() == Direction.AT_MOST ? " (lower is better)" : " (higher is better)");
        chart.addSubtitle(new TextTitle(measured, new Font(Font.SANS_SERIF, Font.PLAIN, 11)));
        return chart;
    }

    private static ValueMarker marker(double value, String label, Color color, boolean dashed, RectangleAnchor anchor,
            TextAnchor textAnchor) {
        ValueMarker marker = new ValueMarker(value);
        marker.setPaint(color);
        marker.setStroke(dashed
                ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
                : new BasicStroke(2f));
        marker.setLabel(label);
        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        marker.setLabelPaint(color.darker());
        marker.setLabelAnchor(anchor);
        marker.setLabelTextAnchor(textAnchor);
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        return marker;
    }
}
